/*
 * The kernel's TCP table over netlink (sock_diag), for dev.closewait.agent.tcp.NetlinkTcpTable.
 *
 * /proc/net/tcp{,6} make the kernel print a line of text for every socket of the network
 * namespace on every read: tens of milliseconds on a host with tens of thousands of connections.
 * A sock_diag dump takes a state filter, so the kernel copies out only the rows asked for, in
 * binary. This file does two things Java cannot, and nothing else: one dump over an AF_NETLINK
 * socket into a buffer the caller owns (the Java side parses the records), and an epoll set that
 * hears of a peer's FIN on the application's sockets (the peer-close watch, at the end).
 *
 * The kernel walks every TCP socket of the namespace for each dump, whatever the filter: asked per
 * address family (SOCK_DIAG_BY_FAMILY), both families cost two walks. The older request
 * (TCPDIAG_GETSOCK, kept by the kernel for compatibility) dumps both families in one walk, the
 * rows alike: family 0 asks for that.
 *
 * Built by agent/pom.xml with gcc on Linux x86-64; elsewhere the agent reads /proc.
 */
#include <jni.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>

/* One record, big-endian, must match NetlinkTcpTable.RECORD:
 * family u8, state u8, local port u16, remote port u16, local address 16 bytes,
 * remote address 16 bytes (an IPv4 address in the first 4), inode u32. */
#define RECORD 42
#define RECEIVE_BUFFER 32768
#define SEQUENCE 0x6377 /* "cw" */

static void put32(unsigned char *at, uint32_t value)
{
    at[0] = (unsigned char) (value >> 24);
    at[1] = (unsigned char) (value >> 16);
    at[2] = (unsigned char) (value >> 8);
    at[3] = (unsigned char) value;
}

/*
 * Dumps the TCP sockets of one address family (AF_INET, AF_INET6; 0: both, in one walk) whose
 * states are in the bit mask (bit n: Linux state n) into the direct buffer. Returns how many
 * sockets matched, which may exceed what the buffer holds (those past its end are counted, not
 * written: call again with a bigger buffer), or a negative errno.
 */
JNIEXPORT jint JNICALL
Java_dev_closewait_agent_tcp_NetlinkTcpTable_dump(JNIEnv *env, jclass type, jint family, jint states,
                                                  jobject out)
{
    (void) type;
    unsigned char *records = (*env)->GetDirectBufferAddress(env, out);
    jlong capacity = (*env)->GetDirectBufferCapacity(env, out);
    if (records == NULL || capacity < 0) {
        return -EINVAL;
    }
    jlong room = capacity / RECORD;

    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        return -errno;
    }

    /* The kernel answers a dump at once; a timeout all the same, so the scanner can never hang here. */
    struct timeval timeout = { .tv_sec = 5, .tv_usec = 0 };
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }

    /* Both requests start with a netlink header; the kernel's rows come back with the request's type. */
    union {
        struct {
            struct nlmsghdr header;
            struct inet_diag_req_v2 body;
        } by_family;
        struct {
            struct nlmsghdr header;
            struct inet_diag_req body;
        } both;
    } request;
    memset(&request, 0, sizeof request);
    uint16_t message_type;
    struct nlmsghdr *header_out;
    if (family == 0) {
        message_type = TCPDIAG_GETSOCK;
        header_out = &request.both.header;
        header_out->nlmsg_len = sizeof request.both;
        request.both.body.idiag_family = AF_INET; /* ignored by a dump, which covers both families */
        request.both.body.idiag_states = (uint32_t) states;
    } else {
        message_type = SOCK_DIAG_BY_FAMILY;
        header_out = &request.by_family.header;
        header_out->nlmsg_len = sizeof request.by_family;
        request.by_family.body.sdiag_family = (uint8_t) family;
        request.by_family.body.sdiag_protocol = IPPROTO_TCP;
        request.by_family.body.idiag_states = (uint32_t) states;
    }
    header_out->nlmsg_type = message_type;
    header_out->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    header_out->nlmsg_seq = SEQUENCE;

    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd, &request, header_out->nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }

    char *buffer = malloc(RECEIVE_BUFFER); /* aligned for the netlink headers read out of it */
    if (buffer == NULL) {
        close(fd);
        return -ENOMEM;
    }
    jint matched = 0;
    int result = 0;
    int done = 0;
    while (!done) {
        ssize_t received = recv(fd, buffer, RECEIVE_BUFFER, 0);
        if (received < 0) {
            if (errno == EINTR) {
                continue;
            }
            result = -errno;
            break;
        }
        if (received == 0) {
            result = -EPROTO; /* the kernel ends a dump with NLMSG_DONE, never by closing */
            break;
        }
        int left = (int) received;
        for (struct nlmsghdr *header = (struct nlmsghdr *) buffer; NLMSG_OK(header, left);
             header = NLMSG_NEXT(header, left)) {
            if (header->nlmsg_seq != SEQUENCE) {
                continue;
            }
            if (header->nlmsg_type == NLMSG_DONE) {
                done = 1;
                break;
            }
            if (header->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *error = NLMSG_DATA(header);
                result = header->nlmsg_len >= NLMSG_LENGTH(sizeof *error) && error->error < 0
                        ? error->error : -EPROTO;
                done = 1;
                break;
            }
            if (header->nlmsg_type != message_type
                    || header->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
                continue;
            }
            const struct inet_diag_msg *socket_row = NLMSG_DATA(header);
            if (matched < room) {
                unsigned char *record = records + (size_t) matched * RECORD;
                record[0] = socket_row->idiag_family;
                record[1] = socket_row->idiag_state;
                /* Ports and addresses are in network order already: copied as they are. */
                memcpy(record + 2, &socket_row->id.idiag_sport, 2);
                memcpy(record + 4, &socket_row->id.idiag_dport, 2);
                memcpy(record + 6, socket_row->id.idiag_src, 16);
                memcpy(record + 22, socket_row->id.idiag_dst, 16);
                put32(record + 38, socket_row->idiag_inode);
            }
            matched++;
        }
    }
    free(buffer);
    close(fd);
    return result < 0 ? result : matched;
}

/*
 * The peer-close watch, for dev.closewait.agent.tcp.PeerCloseWatch: an epoll set of the agent's own
 * holding the descriptors of the application's open sockets, edge-triggered on EPOLLRDHUP (the
 * peer's FIN; EPOLLHUP and EPOLLERR, a reset, come with every watch). The set never takes a
 * reference to a socket: the kernel drops a watch when the socket's last descriptor closes. Nothing
 * is read from the sockets and their own waiters are woken as before.
 */
/* Makes the set; returns its descriptor (close-on-exec), or a negative errno. */
JNIEXPORT jint JNICALL
Java_dev_closewait_agent_tcp_PeerCloseWatch_create(JNIEnv *env, jclass type)
{
    (void) env;
    (void) type;
    int set = epoll_create1(EPOLL_CLOEXEC);
    return set < 0 ? -errno : set;
}

/*
 * Watches descriptor fd in the set; a descriptor watched already is armed again. Returns 0, or a
 * negative errno (EBADF: not open; EPERM: not a socket any more; ENOSPC: the user's watches are used up).
 */
JNIEXPORT jint JNICALL
Java_dev_closewait_agent_tcp_PeerCloseWatch_add(JNIEnv *env, jclass type, jint set, jint fd)
{
    (void) env;
    (void) type;
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLRDHUP | EPOLLET;
    event.data.fd = fd;
    if (epoll_ctl(set, EPOLL_CTL_ADD, fd, &event) == 0) {
        return 0;
    }
    if (errno == EEXIST && epoll_ctl(set, EPOLL_CTL_MOD, fd, &event) == 0) {
        return 0;
    }
    return -errno;
}

/*
 * Takes the events waiting, without blocking; returns how many there were (at most 65,536 in one
 * call: more only when events keep coming, and the caller reads the table then anyway), or a
 * negative errno.
 */
JNIEXPORT jint JNICALL
Java_dev_closewait_agent_tcp_PeerCloseWatch_drain(JNIEnv *env, jclass type, jint set)
{
    (void) env;
    (void) type;
    struct epoll_event events[64];
    jint total = 0;
    for (int round = 0; round < 1024; round++) {
        int ready = epoll_wait(set, events, 64, 0);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        total += ready;
        if (ready < 64) {
            return total;
        }
    }
    return total;
}

/* Closes the set: every watch in it goes. */
JNIEXPORT void JNICALL
Java_dev_closewait_agent_tcp_PeerCloseWatch_close(JNIEnv *env, jclass type, jint set)
{
    (void) env;
    (void) type;
    close(set);
}
