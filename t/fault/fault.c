/*
 * NAME
 *	fault - an LD_PRELOAD shim that fails one chosen file-system call
 * SYNOPSIS
 *	LD_PRELOAD=t/fault/libfault.so TFAULT_DIR=QUEUEDIR TFAULT_LOG=FILE
 *	[TFAULT_PLAN=FILE] program ...
 * DESCRIPTION
 *	Interposes the libc entry points through which tern's injector and
 *	relay scheduler change the queue: open, open64, openat, openat64 (and
 *	the _FORTIFY_SOURCE variants __open_2, __openat_2), write, fsync,
 *	fdatasync, rename, renameat, renameat2 (also when called through
 *	syscall(2), as the queue code does for RENAME_NOREPLACE), link, linkat,
 *	unlink, unlinkat, mkdir and mkdirat.
 *
 *	A call counts when it concerns a path under TFAULT_DIR: the path
 *	argument (resolved against its directory descriptor through
 *	/proc/self/fd), or for write, fsync and fdatasync the file the
 *	descriptor is open on. Calls on other files (configuration, standard
 *	error, sockets to the relay's workers) do not count. Only the process
 *	that loaded the shim counts: a child made by fork(2) (the relay's
 *	worker factory and workers) does not, while a program exec'd anew loads
 *	the shim again and counts from 1.
 *
 *	Every counted call is appended to TFAULT_LOG as one line:
 *	"PID N OP PATH", with " FAIL ERRNO" when the shim failed it.
 *	TFAULT_PLAN names a file holding "N ERRNO" (ERRNO one of ENOSPC, EIO,
 *	EDQUOT): the N-th counted call then returns -1 with that errno without
 *	reaching the kernel. "OP#K ERRNO" fails the K-th call of kind OP
 *	instead (the kinds as logged: a call order that varies between runs
 *	still hits that call). Up to four such entries, comma-separated
 *	("openat+w#1,renameat2#1 EIO"), fail each of those calls: a second
 *	fault on the path a program takes to recover from the first.
 *	Opens that may write or create (O_WRONLY, O_RDWR, O_CREAT, O_TMPFILE)
 *	are logged as kind "open+w" / "openat+w", others as "open" / "openat".
 *	No plan, or N of 0: nothing fails (a counting run).
 *	The file is read once, when the shim is loaded.
 *
 *	This is test code, built only for t/e2e/fault_*.sh: it is never linked
 *	into or installed with tern.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char fault_dir[4096];
static size_t fault_dirlen;
static char fault_log[4096];
static struct {
	long n;			/* fail the n-th counted call (0: none), or */
	char op[24];		/* when op is set, the n-th call of that kind */
} fault_plan[4];
static struct {
	char op[24];
	long n;
} fault_ops[32];		/* calls counted per kind */
static int fault_errno;
static long fault_count;
static pid_t fault_pid;

static ssize_t (*real_write)(int, const void *, size_t);
static long (*real_syscall)(long, ...);

static const struct {
	const char *name;
	int value;
} fault_errnos[] = { { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EDQUOT", EDQUOT } };

static void *fault_next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		static const char msg[] = "libfault: a libc function is missing\n";
		(void)!write(2, msg, sizeof msg - 1);
		abort();
	}
	return f;
}

/* fault_plan_read: "ENTRY[,ENTRY]... ERRNO" from the plan file, if there
 * is one; an ENTRY is N or OP#N. */
static void fault_plan_read(const char *path)
{
	char buf[160] = "", list[128] = "", name[16] = "", *p, *end, *hash;
	size_t i, k;
	int fd = (int)real_syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return;
	r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0 || sscanf(buf, "%127s %15s", list, name) != 2)
		return;
	for (i = 0; i < sizeof fault_errnos / sizeof fault_errnos[0]; i++)
		if (strcmp(name, fault_errnos[i].name) == 0)
			fault_errno = fault_errnos[i].value;
	for (p = list, k = 0; fault_errno && k < 4; p = end + 1, k++) {
		end = strchr(p, ',');
		if (end)
			*end = 0;
		hash = strchr(p, '#');
		if (hash && (size_t)(hash - p) < sizeof fault_plan[k].op) {
			memcpy(fault_plan[k].op, p, (size_t)(hash - p));
			p = hash + 1;
		}
		fault_plan[k].n = strtol(p, NULL, 10);
		if (!end)
			break;
	}
}

__attribute__((constructor)) static void fault_init(void)
{
	const char *d = getenv("TFAULT_DIR"), *l = getenv("TFAULT_LOG");
	const char *p = getenv("TFAULT_PLAN");

	real_write = (ssize_t (*)(int, const void *, size_t))fault_next("write");
	real_syscall = (long (*)(long, ...))fault_next("syscall");
	fault_pid = getpid();
	if (d && strlen(d) < sizeof fault_dir) {
		strcpy(fault_dir, d);
		fault_dirlen = strlen(d);
		while (fault_dirlen > 1 && fault_dir[fault_dirlen - 1] == '/')
			fault_dir[--fault_dirlen] = 0;
	}
	if (l && strlen(l) < sizeof fault_log)
		strcpy(fault_log, l);
	if (p)
		fault_plan_read(p);
}

/* fault_fd_path: the path fd is open on (/proc/self/fd), "" if unknown. */
static void fault_fd_path(int fd, char *out, size_t outlen)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, out, outlen - 1);
	out[n > 0 ? n : 0] = 0;
}

/* fault_at_path: dirfd + name as an absolute path in out ("" if unknown). */
static void fault_at_path(int dirfd, const char *name, char *out, size_t outlen)
{
	char dir[4096] = "";

	if (!name) {
		out[0] = 0;
		return;
	}
	if (name[0] == '/') {
		snprintf(out, outlen, "%s", name);
		return;
	}
	if (dirfd == AT_FDCWD) {
		if (!getcwd(dir, sizeof dir))
			dir[0] = 0;
	} else {
		fault_fd_path(dirfd, dir, sizeof dir);
	}
	snprintf(out, outlen, "%s/%s", dir, name);
}

static int fault_in_scope(const char *path)
{
	return fault_dirlen && strncmp(path, fault_dir, fault_dirlen) == 0 &&
	       (path[fault_dirlen] == '/' || path[fault_dirlen] == 0);
}

static void fault_log_line(const char *op, const char *path, int failed)
{
	char line[4400];
	int fd, n;

	if (!fault_log[0])
		return;
	n = snprintf(line, sizeof line, "%ld %ld %s %s%s%s\n", (long)fault_pid, fault_count, op,
		     path, failed ? " FAIL " : "", failed ? strerrorname_np(fault_errno) : "");
	if (n < 0 || (size_t)n >= sizeof line)
		n = (int)strlen(line);
	fd = (int)real_syscall(SYS_openat, AT_FDCWD, fault_log,
			       O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	fchmod(fd, 0666);	/* the injector drops privileges after its first calls */
	(void)!real_write(fd, line, (size_t)n);
	close(fd);
}

/* fault_op_count: count a call of kind op; the count so far */
static long fault_op_count(const char *op)
{
	size_t i;

	for (i = 0; i < sizeof fault_ops / sizeof fault_ops[0]; i++) {
		if (!fault_ops[i].op[0])
			snprintf(fault_ops[i].op, sizeof fault_ops[i].op, "%s", op);
		if (strcmp(fault_ops[i].op, op) == 0)
			return ++fault_ops[i].n;
	}
	return 0;
}

/*
 * fault_check: count a call on path when it is in scope; 1 (errno set)
 * when this is the call to fail.
 */
static int fault_check(const char *op, const char *path)
{
	int fail = 0;
	size_t k;
	long nth;

	if (getpid() != fault_pid || !fault_in_scope(path))
		return 0;
	fault_count++;
	nth = fault_op_count(op);
	for (k = 0; k < 4; k++) {
		if (fault_plan[k].n <= 0)
			continue;
		if (fault_plan[k].op[0] ? strcmp(op, fault_plan[k].op) == 0 && nth == fault_plan[k].n
					: fault_count == fault_plan[k].n)
			fail = 1;
	}
	fault_log_line(op, path, fail);
	if (fail)
		errno = fault_errno;
	return fail;
}

static int fault_check_fd(const char *op, int fd)
{
	char path[4096];

	if (getpid() != fault_pid || !fault_dirlen)
		return 0;
	fault_fd_path(fd, path, sizeof path);
	return fault_check(op, path);
}

static int fault_check_at(const char *op, int dirfd, const char *name)
{
	char path[4096];

	if (getpid() != fault_pid || !fault_dirlen)
		return 0;
	fault_at_path(dirfd, name, path, sizeof path);
	return fault_check(op, path);
}

/* --- the interposed functions ------------------------------------------ */

static mode_t fault_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

/* fault_open_kind: "openat" opens for reading (or a directory), "openat+w"
 * opens to write or create (O_CREAT, O_TMPFILE) */
static const char *fault_open_kind(const char *fn, int flags)
{
	static char kinds[4][24];
	size_t i = (strcmp(fn, "open") == 0 ? 0 : strcmp(fn, "open64") == 0 ? 1 :
		    strcmp(fn, "openat") == 0 ? 2 : 3);

	if (!(flags & (O_WRONLY | O_RDWR | O_CREAT)))
		return fn;
	snprintf(kinds[i], sizeof kinds[i], "%s+w", fn);
	return kinds[i];
}

#define FAULT_OPENAT(fn, realname)                                                      \
	int fn(int dirfd, const char *path, int flags, ...)                              \
	{                                                                                \
		static int (*next)(int, const char *, int, ...);                         \
		va_list ap;                                                              \
		mode_t mode;                                                             \
		va_start(ap, flags);                                                     \
		mode = fault_mode(flags, ap);                                            \
		va_end(ap);                                                              \
		if (!next)                                                               \
			next = (int (*)(int, const char *, int, ...))fault_next(realname); \
		if (fault_check_at(fault_open_kind(#fn, flags), dirfd, path))             \
			return -1;                                                       \
		return next(dirfd, path, flags, mode);                                   \
	}
FAULT_OPENAT(openat, "openat")
FAULT_OPENAT(openat64, "openat64")

#define FAULT_OPEN(fn, realname)                                                   \
	int fn(const char *path, int flags, ...)                                    \
	{                                                                           \
		static int (*next)(const char *, int, ...);                         \
		va_list ap;                                                         \
		mode_t mode;                                                        \
		va_start(ap, flags);                                                \
		mode = fault_mode(flags, ap);                                       \
		va_end(ap);                                                         \
		if (!next)                                                          \
			next = (int (*)(const char *, int, ...))fault_next(realname); \
		if (fault_check_at(fault_open_kind(#fn, flags), AT_FDCWD, path))     \
			return -1;                                                  \
		return next(path, flags, mode);                                     \
	}
FAULT_OPEN(open, "open")
FAULT_OPEN(open64, "open64")

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

ssize_t write(int fd, const void *p, size_t n)
{
	if (!real_write)
		real_write = (ssize_t (*)(int, const void *, size_t))fault_next("write");
	if (fd > 2 && fault_check_fd("write", fd))
		return -1;
	return real_write(fd, p, n);
}

#define FAULT_FD(fn)                                               \
	int fn(int fd)                                              \
	{                                                           \
		static int (*next)(int);                            \
		if (!next)                                          \
			next = (int (*)(int))fault_next(#fn);       \
		if (fault_check_fd(#fn, fd))                        \
			return -1;                                  \
		return next(fd);                                    \
	}
FAULT_FD(fsync)
FAULT_FD(fdatasync)

#define FAULT_PATH(fn, check)                                      \
	int fn(const char *path)                                    \
	{                                                           \
		static int (*next)(const char *);                   \
		if (!next)                                          \
			next = (int (*)(const char *))fault_next(#fn); \
		if (check)                                          \
			return -1;                                  \
		return next(path);                                  \
	}
FAULT_PATH(unlink, fault_check_at("unlink", AT_FDCWD, path))

int mkdir(const char *path, mode_t mode)
{
	static int (*next)(const char *, mode_t);

	if (!next)
		next = (int (*)(const char *, mode_t))fault_next("mkdir");
	if (fault_check_at("mkdir", AT_FDCWD, path))
		return -1;
	return next(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	static int (*next)(int, const char *, mode_t);

	if (!next)
		next = (int (*)(int, const char *, mode_t))fault_next("mkdirat");
	if (fault_check_at("mkdirat", dirfd, path))
		return -1;
	return next(dirfd, path, mode);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	static int (*next)(int, const char *, int);

	if (!next)
		next = (int (*)(int, const char *, int))fault_next("unlinkat");
	if (fault_check_at("unlinkat", dirfd, path))
		return -1;
	return next(dirfd, path, flags);
}

/* two-path calls count once, on the new name (the one in the queue, for a
 * link from /proc/self/fd), or on the old one when only it is in scope */
static int fault_check_two(const char *op, int olddir, const char *old, int newdir,
			   const char *new)
{
	char path[4096];

	if (getpid() != fault_pid || !fault_dirlen)
		return 0;
	fault_at_path(newdir, new, path, sizeof path);
	if (!fault_in_scope(path))
		fault_at_path(olddir, old, path, sizeof path);
	return fault_check(op, path);
}

int rename(const char *old, const char *new)
{
	static int (*next)(const char *, const char *);

	if (!next)
		next = (int (*)(const char *, const char *))fault_next("rename");
	if (fault_check_two("rename", AT_FDCWD, old, AT_FDCWD, new))
		return -1;
	return next(old, new);
}

int renameat(int olddir, const char *old, int newdir, const char *new)
{
	static int (*next)(int, const char *, int, const char *);

	if (!next)
		next = (int (*)(int, const char *, int, const char *))fault_next("renameat");
	if (fault_check_two("renameat", olddir, old, newdir, new))
		return -1;
	return next(olddir, old, newdir, new);
}

int renameat2(int olddir, const char *old, int newdir, const char *new, unsigned flags)
{
	static int (*next)(int, const char *, int, const char *, unsigned);

	if (!next)
		next = (int (*)(int, const char *, int, const char *, unsigned))fault_next("renameat2");
	if (fault_check_two("renameat2", olddir, old, newdir, new))
		return -1;
	return next(olddir, old, newdir, new, flags);
}

int link(const char *old, const char *new)
{
	static int (*next)(const char *, const char *);

	if (!next)
		next = (int (*)(const char *, const char *))fault_next("link");
	if (fault_check_two("link", AT_FDCWD, old, AT_FDCWD, new))
		return -1;
	return next(old, new);
}

int linkat(int olddir, const char *old, int newdir, const char *new, int flags)
{
	static int (*next)(int, const char *, int, const char *, int);

	if (!next)
		next = (int (*)(int, const char *, int, const char *, int))fault_next("linkat");
	if (fault_check_two("linkat", olddir, old, newdir, new))
		return -1;
	return next(olddir, old, newdir, new, flags);
}

/*
 * syscall: the queue code calls renameat2 through syscall(2) (musl has no
 * wrapper); every other system call passes through untouched. Six argument
 * words are forwarded, as libc's own syscall() reads them.
 */
long syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real_syscall)
		real_syscall = (long (*)(long, ...))fault_next("syscall");
	if (nr == SYS_renameat2 &&
	    fault_check_two("renameat2", (int)a[0], (const char *)a[1], (int)a[2],
			    (const char *)a[3]))
		return -1;
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
