/* pubsub_fanout: messages delivered per second from one publisher to N
 * subscribers, against any server speaking RESP (run it on zkv-server and
 * redis-server in the same session to compare).
 *
 *     pubsub_fanout PORT [SUBSCRIBERS=1000] [SECONDS=5] [PATTERN=0]
 *
 * SUBSCRIBERS connections SUBSCRIBE to "bench" (PATTERN=1: PSUBSCRIBE to
 * "b*", and the publisher spreads messages over 1,000 channels "b<i>").  One
 * publisher keeps 32 PUBLISHes of a 16-byte payload in flight.  Every
 * subscriber socket is drained with epoll; delivered messages are counted
 * from the bytes received (each frame has a known size).  Prints messages
 * delivered per second and PUBLISH replies per second.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD "0123456789abcdef"
#define IN_FLIGHT 32

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        perror("connect");
        exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void send_all(int fd, const char *data, size_t length) {
    while (length) {
        ssize_t sent = write(fd, data, length);
        if (sent < 0) {
            if (errno == EINTR) continue;
            perror("write");
            exit(1);
        }
        data += sent;
        length -= (size_t)sent;
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Reads until `expected` bytes arrived (the subscription confirmation). */
static void read_exactly(int fd, size_t expected) {
    char buffer[256];
    while (expected) {
        ssize_t got = read(fd, buffer, expected < sizeof(buffer) ? expected : sizeof(buffer));
        if (got <= 0) {
            perror("read");
            exit(1);
        }
        expected -= (size_t)got;
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [SUBSCRIBERS] [SECONDS] [PATTERN]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    int subscribers = argc > 2 ? atoi(argv[2]) : 1000;
    double seconds = argc > 3 ? atof(argv[3]) : 5;
    int pattern = argc > 4 && atoi(argv[4]);
    int epoll = epoll_create1(0);
    /* "*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$16\r\n<16>\r\n" = 55 bytes;
     * "*4\r\n$8\r\npmessage\r\n$2\r\nb*\r\n$N\r\nbNNN\r\n$16\r\n<16>\r\n" depends on the channel. */
    for (int i = 0; i < subscribers; i++) {
        int fd = connect_to(port);
        const char *request = pattern ? "*2\r\n$10\r\nPSUBSCRIBE\r\n$2\r\nb*\r\n" : "*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n";
        send_all(fd, request, strlen(request));
        read_exactly(fd, pattern ? strlen("*3\r\n$10\r\npsubscribe\r\n$2\r\nb*\r\n:1\r\n")
                                 : strlen("*3\r\n$9\r\nsubscribe\r\n$5\r\nbench\r\n:1\r\n"));
        struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    }
    int publisher = connect_to(port);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = publisher};
    epoll_ctl(epoll, EPOLL_CTL_ADD, publisher, &event);
    long long published = 0, replies = 0, subscriber_bytes = 0, frame_bytes_total = 0;
    int in_flight = 0;
    char buffer[1 << 16];
    double start = now(), end = start + seconds;
    struct epoll_event events[256];
    while (now() < end) {
        while (in_flight < IN_FLIGHT) {
            char command[128];
            int channel = (int)(published % 1000);
            char name[16];
            int name_length = pattern ? snprintf(name, sizeof(name), "b%d", channel) : snprintf(name, sizeof(name), "bench");
            int length = snprintf(command, sizeof(command), "*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$16\r\n" PAYLOAD "\r\n",
                                  name_length, name);
            send_all(publisher, command, (size_t)length);
            /* the frame each subscriber receives for this message */
            char frame[160];
            int frame_length = pattern ? snprintf(frame, sizeof(frame),
                                                  "*4\r\n$8\r\npmessage\r\n$2\r\nb*\r\n$%d\r\n%s\r\n$16\r\n" PAYLOAD "\r\n",
                                                  name_length, name)
                                       : snprintf(frame, sizeof(frame),
                                                  "*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$16\r\n" PAYLOAD "\r\n",
                                                  name_length, name);
            frame_bytes_total += frame_length;
            published++;
            in_flight++;
        }
        int ready = epoll_wait(epoll, events, 256, 100);
        for (int i = 0; i < ready; i++) {
            ssize_t got = read(events[i].data.fd, buffer, sizeof(buffer));
            if (got <= 0) continue;
            if (events[i].data.fd == publisher) {
                for (ssize_t k = 0; k < got; k++) {
                    if (buffer[k] == '\n') {
                        replies++;
                        in_flight--;
                    }
                }
            } else {
                subscriber_bytes += got;
            }
        }
    }
    double elapsed = now() - start;
    double average_frame = published ? (double)frame_bytes_total / (double)published : 1;
    double delivered = (double)subscriber_bytes / average_frame;
    printf("subscribers=%d pattern=%d seconds=%.1f published=%lld replies=%lld delivered=%.0f "
           "delivered_per_sec=%.0f publish_per_sec=%.0f\n",
           subscribers, pattern, elapsed, published, replies, delivered, delivered / elapsed, replies / elapsed);
    return 0;
}
