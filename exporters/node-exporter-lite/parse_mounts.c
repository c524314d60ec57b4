/* parse_mounts.c -- /proc/<pid>/mounts (fstab(5) format). */
#include "parsers.h"

#include <string.h>

#include "textutil.h"

/* node_exporter decodes only these two escapes in the mount point; so do we,
 * so that the mountpoint label matches its output byte for byte. */
static void unescape_mountpoint(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (strncmp(r, "\\040", 4) == 0) {
            *w++ = ' ';
            r += 4;
        } else if (strncmp(r, "\\011", 4) == 0) {
            *w++ = '\t';
            r += 4;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

int mounts_parse(char *text, mounts_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        lineno++;
        char *f = line;
        mount_rec rec;
        rec.device = text_next_field(&f);
        if (!rec.device)
            continue;
        char *mp = text_next_field(&f);
        rec.fstype = text_next_field(&f);
        rec.options = text_next_field(&f);
        if (!rec.options)
            return text_fail(err, errlen, lineno, "fewer than 4 fields");
        unescape_mountpoint(mp);
        rec.mountpoint = mp;
        cb(arg, &rec);
    }
    return 0;
}

int mounts_has_ro(const char *options)
{
    const char *p = options;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 2 && p[0] == 'r' && p[1] == 'o')
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}
