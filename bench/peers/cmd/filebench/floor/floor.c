/*
 * floor: the least a static file server can do per request, for filebench.
 * One thread, one epoll instance (level-triggered), non-blocking sockets:
 * read the request, write the same head eddy writes, sendfile(2) the file
 * (what the socket does not take at once goes when it signals room). No
 * parsing beyond the path, no logging, no timers: any server doing more
 * per request costs more than this.
 *
 *   cc -O2 -o floor floor.c && ./floor 127.0.0.1:8080 DIR [more]
 *
 * "more" sends the head with MSG_MORE, so that the kernel holds it and
 * sends it in the first segment of the file.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAXFILES 16
#define MAXCONN 65536

struct file {
	char name[256];
	int fd;
	off_t size;
	char head[512];
	int headlen;
};

struct conn {
	struct file *f; /* the file being sent, or NULL */
	off_t off, left;
	int out; /* watching EPOLLOUT */
};

static struct file files[MAXFILES];
static int nfiles;
static struct conn conns[MAXCONN];
static const char *dir;
static int more;
static char date[64];

static struct file *lookup(const char *name, size_t n) {
	for (int i = 0; i < nfiles; i++)
		if (strlen(files[i].name) == n && memcmp(files[i].name, name, n) == 0)
			return &files[i];
	if (nfiles == MAXFILES || n >= sizeof files[0].name)
		return NULL;
	struct file *f = &files[nfiles];
	char path[4096];
	snprintf(path, sizeof path, "%s/%.*s", dir, (int)n, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	memcpy(f->name, name, n);
	f->name[n] = 0;
	f->fd = fd;
	f->size = st.st_size;
	f->headlen = snprintf(f->head, sizeof f->head,
		"HTTP/1.1 200 OK\r\nServer: eddy\r\nDate: %s\r\nContent-Type: application/octet-stream\r\n"
		"ETag: \"dndjyl8904w4-mh34\"\r\nLast-Modified: %s\r\nAccept-Ranges: bytes\r\n"
		"Content-Length: %lld\r\n\r\n", date, date, (long long)st.st_size);
	nfiles++;
	return f;
}

static void closeconn(int ep, int fd) {
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	conns[fd].f = NULL;
	conns[fd].out = 0;
}

static void watch(int ep, int fd, int out) {
	struct conn *c = &conns[fd];
	if (c->out == out)
		return;
	struct epoll_event ev = {.events = out ? EPOLLOUT : EPOLLIN, .data.fd = fd};
	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	c->out = out;
}

/* sendrest sends what the socket takes of the file; 0 when done or waiting, -1 on error. */
static int sendrest(int ep, int fd) {
	struct conn *c = &conns[fd];
	while (c->left > 0) {
		ssize_t k = sendfile(fd, c->f->fd, &c->off, c->left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			watch(ep, fd, 1);
			return 0;
		}
		if (k <= 0)
			return -1;
		c->left -= k;
	}
	c->f = NULL;
	watch(ep, fd, 0);
	return 0;
}

static int onread(int ep, int fd) {
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	/* One request per read (wrk sends each whole and waits for the answer). */
	if (n < 16 || memcmp(buf, "GET /files/", 11) != 0)
		return -1;
	char *sp = memchr(buf + 11, ' ', n - 11);
	if (!sp)
		return -1;
	struct file *f = lookup(buf + 11, sp - (buf + 11));
	if (!f)
		return -1;
	if (send(fd, f->head, f->headlen, MSG_NOSIGNAL | (more ? MSG_MORE : 0)) != f->headlen)
		return -1;
	struct conn *c = &conns[fd];
	c->f = f;
	c->off = 0;
	c->left = f->size;
	return sendrest(ep, fd);
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: floor IP:PORT DIR [more]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* a peer gone mid-file is an error return, not a signal */
	dir = argv[2];
	more = argc > 3 && strcmp(argv[3], "more") == 0;
	time_t now = time(NULL);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime(&now));
	char host[64];
	const char *colon = strrchr(argv[1], ':');
	if (!colon || colon - argv[1] >= (long)sizeof host)
		return 2;
	memcpy(host, argv[1], colon - argv[1]);
	host[colon - argv[1]] = 0;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return 2;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1024) < 0) {
		perror("floor: listen");
		return 1;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	struct epoll_event evs[256];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("floor: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ls) {
				int cs;
				while ((cs = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					if (cs >= MAXCONN) {
						close(cs);
						continue;
					}
					setsockopt(cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct epoll_event cev = {.events = EPOLLIN, .data.fd = cs};
					conns[cs].f = NULL;
					conns[cs].out = 0;
					epoll_ctl(ep, EPOLL_CTL_ADD, cs, &cev);
				}
				continue;
			}
			int r = conns[fd].f ? sendrest(ep, fd) : onread(ep, fd);
			if (r < 0)
				closeconn(ep, fd);
		}
	}
}
