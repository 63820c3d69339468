/*
 * sanitize - the ASan/UBSan/LSan options compiled into every program and unit
 * test of a `make SANITIZE=1` build (linked only then; see GNUmakefile).
 *
 * SYNOPSIS
 *	const char *__asan_default_options(void);
 *	const char *__ubsan_default_options(void);
 *	const char *__lsan_default_options(void);
 *
 * DESCRIPTION
 *	The sanitizer runtimes call these before main() for their defaults
 *	($ASAN_OPTIONS and friends still override them). Environment variables
 *	alone cannot carry the options: smtpd execs the injector with an
 *	environment of its own, inject clears its environment, and launchers
 *	(systemd-socket-activate, xinetd) pass only what they are told. So the
 *	options are built in here.
 *
 *	Reports go to TERN_SANITIZE_DIR/report.PID when that directory exists
 *	and is writable (t/run creates it, mode 1777, so that privilege-dropped
 *	processes can write there too, clears it before each test and fails the
 *	test that left a report: a report from a child whose stderr nobody
 *	reads, such as smtpd under a launcher or the injector, is not lost).
 *	Elsewhere they go to stderr. A sanitizer error ends the process with
 *	exit status 1 (leaks too, at exit), never a core dump.
 *
 *	gcc links UBSan as its own library (libubsan.so.1) next to libasan, with
 *	its own copy of the report file that neither $UBSAN_OPTIONS' log_path nor
 *	__ubsan_default_options() reaches in that combination: reports went to
 *	stderr. A constructor gives libubsan's copy the path itself.
 *
 *	LeakSanitizer stops the process to scan it, which the kernel refuses in
 *	a setuid process (it is not dumpable): the leak check is off there, or it
 *	would turn every exit of the setuid injector into a LeakSanitizer fatal
 *	error. Its leaks are checked where it runs without setuid.
 *
 *	Without /proc (a chroot; the pass of t/e2e/queue_crash.sh that hides it
 *	so that inject falls back to a named file) the sanitizers cannot read
 *	their environment, find a thread list for the leak check (a fatal error,
 *	exit 1, at every exit) or the stack's bounds and the program's name
 *	(warnings at every run, which t/run would count as reports). There the
 *	leak check is off and reports go to stderr: a real error still ends
 *	the process with status 1.
 */
#include <dlfcn.h>
#include <unistd.h>

#ifndef TERN_SANITIZE_DIR
#define TERN_SANITIZE_DIR "t/log/sanitizer"
#endif

#define SAN_COMMON "print_stacktrace=1:handle_abort=1:disable_coredump=1"
#define SAN_LOG ":log_path=" TERN_SANITIZE_DIR "/report"

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__lsan_default_options(void);

static int sanitize_proc(void)
{
	return access("/proc/self/task", X_OK) == 0;
}

/* The log path only when the directory is there: never die for want of it. */
static int sanitize_log(void)
{
	return access(TERN_SANITIZE_DIR, W_OK | X_OK) == 0 && sanitize_proc();
}

static const char *sanitize_options(const char *with_log, const char *without)
{
	return sanitize_log() ? with_log : without;
}

static int sanitize_setuid(void)
{
	return getuid() != geteuid() || getgid() != getegid();
}

const char *__asan_default_options(void)
{
	if (sanitize_setuid() || !sanitize_proc())
		return sanitize_options(SAN_COMMON ":detect_leaks=0" SAN_LOG,
					SAN_COMMON ":detect_leaks=0");
	return sanitize_options(SAN_COMMON ":detect_leaks=1" SAN_LOG,
				SAN_COMMON ":detect_leaks=1");
}

const char *__ubsan_default_options(void)
{
	return sanitize_options(SAN_COMMON ":halt_on_error=1" SAN_LOG,
				SAN_COMMON ":halt_on_error=1");
}

const char *__lsan_default_options(void)
{
	return sanitize_options(SAN_COMMON SAN_LOG, SAN_COMMON);
}

__attribute__((constructor)) static void sanitize_ubsan_report_path(void)
{
	void *lib;
	void (*set_path)(const char *);

	if (!sanitize_log())
		return;
	lib = dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD);
	if (!lib)
		return;
	*(void **)&set_path = dlsym(lib, "__sanitizer_set_report_path");
	if (set_path)
		set_path(TERN_SANITIZE_DIR "/report");
	dlclose(lib);
}
