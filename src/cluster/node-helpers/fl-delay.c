/*
 * fl-delay — holds packets queued by iptables NFQUEUE for a fixed delay, then accepts them, in order.
 * faultline's stand-in for `netem delay` on kernels without sch_netem. Talks nfnetlink_queue directly
 * (no libnetfilter_queue), so it builds with gcc and kernel headers only.
 *
 *   fl-delay <queue-num> <delay-ms>
 *
 * Packets are released FIFO (a constant delay never reorders). The payload is not copied (metadata
 * only), so the cost per packet is one small netlink message each way. On SIGTERM/SIGINT every held
 * packet is accepted at once before exiting, so healing loses nothing. Rules should use
 * --queue-bypass: with the helper gone, traffic flows undelayed instead of being dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <endian.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CAP (1u << 16) /* held packets; also the kernel queue length */

static uint32_t ids[CAP];
static int64_t due[CAP];
static unsigned head, tail; /* ring: [head, tail) */
static int fd;
static uint16_t queue;
static volatile sig_atomic_t stopping;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Appends one netlink attribute at buf+*len. */
static void attr(char *buf, size_t *len, uint16_t type, const void *data, uint16_t dlen) {
  struct nlattr *a = (struct nlattr *)(buf + *len);
  a->nla_type = type;
  a->nla_len = NLA_HDRLEN + dlen;
  memcpy((char *)a + NLA_HDRLEN, data, dlen);
  *len += NLA_ALIGN(a->nla_len);
}

static size_t header(char *buf, uint16_t msg, uint16_t flags) {
  struct nlmsghdr *nh = (struct nlmsghdr *)buf;
  memset(buf, 0, NLMSG_HDRLEN + sizeof(struct nfgenmsg));
  nh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | msg;
  nh->nlmsg_flags = NLM_F_REQUEST | flags;
  struct nfgenmsg *g = (struct nfgenmsg *)(buf + NLMSG_HDRLEN);
  g->nfgen_family = AF_UNSPEC;
  g->version = NFNETLINK_V0;
  g->res_id = htobe16(queue);
  return NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
}

static int sendmsg_nl(char *buf, size_t len) {
  ((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)len;
  struct sockaddr_nl to = {.nl_family = AF_NETLINK};
  return sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof to) < 0 ? -1 : 0;
}

static void config(void) {
  char buf[256];
  size_t len = header(buf, NFQNL_MSG_CONFIG, 0);
  struct nfqnl_msg_config_cmd cmd = {.command = NFQNL_CFG_CMD_BIND, .pf = htobe16(AF_INET)};
  attr(buf, &len, NFQA_CFG_CMD, &cmd, sizeof cmd);
  if (sendmsg_nl(buf, len) < 0) perror("fl-delay: bind"), exit(1);
  len = header(buf, NFQNL_MSG_CONFIG, 0);
  struct nfqnl_msg_config_params params = {.copy_range = htobe32(0), .copy_mode = NFQNL_COPY_META};
  attr(buf, &len, NFQA_CFG_PARAMS, &params, sizeof params);
  uint32_t maxlen = htobe32(CAP - 1);
  attr(buf, &len, NFQA_CFG_QUEUE_MAXLEN, &maxlen, sizeof maxlen);
  if (sendmsg_nl(buf, len) < 0) perror("fl-delay: params"), exit(1);
}

/* Accepts every held packet up to and including `id` (the queue hands them out in order). */
static void accept_upto(uint32_t id) {
  char buf[128];
  size_t len = header(buf, NFQNL_MSG_VERDICT_BATCH, 0);
  struct nfqnl_msg_verdict_hdr v = {.verdict = htobe32(NF_ACCEPT), .id = htobe32(id)};
  attr(buf, &len, NFQA_VERDICT_HDR, &v, sizeof v);
  sendmsg_nl(buf, len);
}

static void release(int64_t t) {
  uint32_t last = 0;
  int any = 0;
  while (head != tail && due[head % CAP] <= t) last = ids[head % CAP], head++, any = 1;
  if (any) accept_upto(last);
}

static void on_signal(int s) {
  (void)s;
  stopping = 1;
}

int main(int argc, char **argv) {
  if (argc != 3) fprintf(stderr, "usage: fl-delay <queue-num> <delay-ms>\n"), exit(2);
  queue = (uint16_t)atoi(argv[1]);
  int64_t delay = (int64_t)(atof(argv[2]) * 1e6);
  fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) perror("fl-delay: socket"), exit(1);
  struct sockaddr_nl me = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&me, sizeof me) < 0) perror("fl-delay: bind socket"), exit(1);
  int big = 8 << 20, one = 1;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
  config();
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, 0);
  sigaction(SIGINT, &sa, 0);
  fprintf(stderr, "fl-delay: queue %u, delay %.3f ms\n", queue, delay / 1e6);
  static char buf[1 << 16];
  while (!stopping) {
    int64_t t = now_ns();
    release(t);
    int64_t wait = head == tail ? 1000000000LL : due[head % CAP] - t;
    if (wait < 0) wait = 0;
    struct timespec ts = {.tv_sec = wait / 1000000000LL, .tv_nsec = wait % 1000000000LL};
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (ppoll(&p, 1, &ts, NULL) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) continue;
    t = now_ns();
    for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
      if ((nh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET || (nh->nlmsg_type >> 8) != NFNL_SUBSYS_QUEUE) continue;
      size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
      while (off + NLA_HDRLEN <= nh->nlmsg_len) {
        struct nlattr *a = (struct nlattr *)((char *)nh + off);
        if (a->nla_len < NLA_HDRLEN) break;
        if ((a->nla_type & NLA_TYPE_MASK) == NFQA_PACKET_HDR) {
          struct nfqnl_msg_packet_hdr *ph = (struct nfqnl_msg_packet_hdr *)((char *)a + NLA_HDRLEN);
          if (tail - head >= CAP) release(INT64_MAX); /* full: let the oldest go early rather than drop */
          ids[tail % CAP] = be32toh(ph->packet_id);
          due[tail % CAP] = t + delay;
          tail++;
          break;
        }
        off += NLA_ALIGN(a->nla_len);
      }
    }
  }
  release(INT64_MAX);
  return 0;
}
