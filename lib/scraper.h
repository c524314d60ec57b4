/* scraper.h -- runs scrapes on one worker thread, so an answer is due at the deadline even
 * if a collector overstays it.
 *
 * One scrape runs at a time, so collector state needs no locks (lib/README.md, "Threads"). The HTTP thread
 * hands a scrape over and waits until the deadline plus a grace period; if the collectors are not done by
 * then it answers 503 and the worker finishes (and frees) the scrape on its own. A scrape that arrives while
 * another still runs waits for it until its deadline. */
#ifndef EXP_SCRAPER_H
#define EXP_SCRAPER_H

#include <stddef.h>

#include "buf.h"
#include "expo.h"

/* Fills w; runs on the worker thread. */
typedef void (*scraper_fn)(void *arg, expo *w, double deadline);

typedef struct scraper scraper;

/* Starts the worker. `max_bytes` caps each scrape's output (exporter_main gives --web.max-scrape-size, which
 * the reason for a scrape over it names). NULL if no thread could be made. */
scraper *scraper_start(scraper_fn fn, void *arg, size_t max_bytes);
/* Runs one scrape into out (which must be empty). Returns 0, or -1 with a reason in
 * err: a previous scrape still running at the deadline, collectors past deadline+grace,
 * or the output cap. Thread-safe. */
int scraper_run(scraper *s, buf *out, double deadline, double grace, char *err, size_t errlen);
/* Stops the worker, waiting at most `wait` seconds. Returns 0 when it ended (s is
 * freed), or -1 if a collector is still stuck: then s stays valid (call again to wait
 * more) and the caller must not free anything collectors use. */
int scraper_stop(scraper *s, double wait);

#endif
