/* option_file.h -- librdkafka settings from a file (--source.kafka.option-file): a password kept out of argv.
 */
#ifndef MX_OPTION_FILE_H
#define MX_OPTION_FILE_H

#include <stddef.h>

/* Parses `text` (modified in place): one "name=value" per line, as kcat's -F file and librdkafka's
 * examples; blank lines and lines starting with '#' are skipped, spaces around the name and the value
 * are trimmed. Calls add("name=value") for each. Returns 0, or -1 with "line N: reason" in err; the
 * reason never quotes the line, which may hold a password. */
int option_file_parse(char *text, void (*add)(void *arg, const char *option), void *arg, char *err,
                      size_t errlen);

#endif
