/* config.h -- JSON configuration files (jansson), strict: unknown keys are
 * rejected and errors name the file, line and column. */
#ifndef EXP_CONFIG_H
#define EXP_CONFIG_H

#include <jansson.h>
#include <stddef.h>

/* Loads a JSON object from `path`. On error NULL is returned and err holds
 * "path:line:column: reason". The caller owns the result (json_decref). */
json_t *config_load(const char *path, char *err, size_t errlen);
/* Checks that every key of `obj` is in the NULL-terminated `allowed` list.
 * On the first stranger returns -1 with "path: where: unknown key \"k\"" in err. */
int config_check_keys(const json_t *obj, const char *const *allowed, const char *path, const char *where,
                      char *err, size_t errlen);

#endif
