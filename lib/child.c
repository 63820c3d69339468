/*
 * child - close-on-exec for inherited descriptors and a bounded wait for a
 * child (see child.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)	/* linux/close_range.h, Linux 5.11 */
#endif

/* One syscall; older kernels get a loop up to the descriptor limit. */
void child_cloexec_above_2(void)
{
	long max = sysconf(_SC_OPEN_MAX);

	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int child_spawn(pid_t *pid, const char *program, char *const argv[], char *const envp[],
		const struct child_fd *fds, size_t nfds)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	size_t i;
	int r;

	child_cloexec_above_2();
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return r;
	if ((r = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return r;
	}
	for (i = 0; !r && i < nfds; i++)
		r = fds[i].fd == CHILD_DEVNULL ?
		    posix_spawn_file_actions_addopen(&fa, fds[i].target, "/dev/null", O_RDWR, 0) :
		    posix_spawn_file_actions_adddup2(&fa, fds[i].fd, fds[i].target);
	if (!r)
		r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (!r)
		r = posix_spawnattr_setsigmask(&at, &none);
	if (!r)
		r = posix_spawnattr_setsigdefault(&at, &dfl);
	if (!r)
		r = posix_spawn(pid, program, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

/*
 * child_sleep: until the child may have exited, at most left_ms. A pidfd
 * (Linux 5.3, close-on-exec; syscall(): musl 1.2.3 does not wrap it) turns
 * readable when the child exits, so the verdict costs no polling delay;
 * without one, short naps.
 */
static void child_sleep(int pidfd, long long left_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN, .revents = 0 };
	struct timespec nap = { 0, 1000000 };	/* 1 ms */

	if (pidfd >= 0)
		poll(&p, 1, left_ms > 60000 ? 60000 : (int)left_ms);
	else
		nanosleep(&nap, NULL);
}

int child_wait(pid_t pid, int timeout_ms)
{
	long long end = clock_ms() + timeout_ms, left;
	int status, pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			status = CHILD_HUNG;	/* not our child any more: no verdict */
			break;
		}
		left = end - clock_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			status = CHILD_HUNG;
			break;
		}
		child_sleep(pidfd, left);
	}
	if (pidfd >= 0)
		close(pidfd);
	return status;
}
