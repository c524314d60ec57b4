/* offsetrec.h -- decodes the offset-commit records of Kafka's __consumer_offsets topic.
 *
 * The layouts are Kafka's (group-coordinator OffsetCommitKey.json, OffsetCommitValue.json): a key starts
 * with an int16 version, 0 or 1 for an offset commit (group, topic, partition), 2 for group metadata and,
 * from Kafka 4's coordinator, 3 and up for its other record types; a value starts with its own int16
 * version, 0-3 fixed layouts, 4 and up flexible (compact strings, tagged fields). Pure: no I/O, no
 * allocation, never reads past the buffer. */
#ifndef KX_OFFSETREC_H
#define KX_OFFSETREC_H

#include <stddef.h>
#include <stdint.h>

/* An offset-commit key; group and topic point into the decoded buffer (not NUL-terminated). */
typedef struct kx_offsetrec_key {
    const char *group, *topic;
    size_t group_len, topic_len;
    int32_t partition;
} kx_offsetrec_key;

#define KX_OFFSETREC_COMMIT 1 /* an offset commit: *out is filled */
#define KX_OFFSETREC_OTHER 0  /* another record type (group metadata, Kafka 4's records): skip it */
#define KX_OFFSETREC_BAD (-1) /* malformed: too short, too long, negative lengths or version */

/* Decodes a record key: KX_OFFSETREC_COMMIT, _OTHER or _BAD. Can't fail otherwise. */
int kx_offsetrec_key_decode(const void *key, size_t len, kx_offsetrec_key *out);

/* Decodes an offset-commit value into *offset: 0, or -1 if malformed (*offset then unchanged). A null
 * value (tombstone) is not a value: the caller removes the commit instead. */
int kx_offsetrec_value_decode(const void *value, size_t len, int64_t *offset);

#endif
