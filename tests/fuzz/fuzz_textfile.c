/* fuzz_textfile.c -- libFuzzer target: the textfile collector's exposition parser, and what it builds. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "textfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    tf_file f;
    char err[256];
    if (textfile_parse(text, size, &f, err, sizeof err) == 0) {
        /* Whatever parses must be a consistent model: every index in range, points sorted and unique. */
        size_t seen = 0;
        for (size_t i = 0; i < f.nfams; i++) {
            const tf_family *fam = &f.fams[i];
            if (fam->first + fam->nmetrics > f.nmetrics || !tf_valid_utf8(fam->name))
                __builtin_trap();
            if (fam->nmetrics && tf_find_family(&f, fam->name) != fam)
                __builtin_trap();
            for (size_t k = 0; k < fam->nmetrics; k++) {
                const tf_metric *m = &f.metrics[f.order[fam->first + k]];
                if (m->family != i || m->label0 + m->nlabels > f.nlabels ||
                    m->point0 + m->npoints > f.npoints)
                    __builtin_trap();
                for (size_t l = 0; l < m->nlabels; l++)
                    if (!tf_valid_utf8(f.labels[m->label0 + l].value) || !f.labels[m->label0 + l].name[0])
                        __builtin_trap();
                for (size_t p = 1; p < m->npoints; p++)
                    if (!(f.points[m->point0 + p - 1].key < f.points[m->point0 + p].key))
                        __builtin_trap();
                seen++;
            }
        }
        if (seen != f.nmetrics)
            __builtin_trap();
    } else if (strncmp(err, "line ", 5) != 0) {
        __builtin_trap();
    }
    tf_file_free(&f);
    free(text);
    return 0;
}
