/* assignment.h -- the partitions assigned to a consumer group's members, from the member_assignment bytes
 * DescribeGroups returns (Kafka's ConsumerProtocolAssignment), decoded as danielqsj's exporter does
 * (sarama's GetMemberAssignment): what --no-offset.show-all limits a group's offsets to. */
#ifndef KX_ASSIGNMENT_H
#define KX_ASSIGNMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kx_assigned {
    char *topic;
    int32_t partition;
} kx_assigned;

typedef struct kx_assignment {
    kx_assigned *items;
    size_t n, cap;
} kx_assignment;

/* Appends the (topic, partition) pairs of one member's assignment to a: int16 version, [topic, [int32
 * partition]], nullable bytes user data, and nothing after it. Returns 0, or -1 if the bytes do not decode
 * so, completely (then nothing is appended: sarama drops such a member). Aborts on out-of-memory. */
int kx_assignment_add(kx_assignment *a, const void *bytes, size_t len);
/* true if (topic, partition) was appended. Linear: groups' assignments are small. */
bool kx_assignment_has(const kx_assignment *a, const char *topic, int32_t partition);
void kx_assignment_free(kx_assignment *a);

#endif
