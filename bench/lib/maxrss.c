/*
 * maxrss — run a program, print its peak RSS in KB (ru_maxrss from wait4).
 *
 *     maxrss OUTFILE /abs/path/to/program [ARG]...
 *
 * Fallback for bench/maildeliver when GNU time (/usr/bin/time -f %M) is not
 * installed; the bench compiles it into its temp dir.  It is GNU time's %M
 * and nothing else.  Why not Python's getrusage(RUSAGE_CHILDREN): at execve
 * Linux folds the old address space's high-water RSS into the process's
 * maxrss, and a child forked from Python starts as a copy of the ~10 MB
 * interpreter, so everything measured that way reads >= 10 MB.  Forked from
 * this small program the floor is a few hundred KB, as with GNU time.
 * Exit status: the program's (128+signal if killed; 127 if exec failed).
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: maxrss OUTFILE PROGRAM [ARG]...\n", stderr);
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("maxrss: fork");
		return 111;
	}
	if (pid == 0) {
		execv(argv[2], argv + 2);
		perror("maxrss: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("maxrss: wait4");
		return 111;
	}
	FILE *f = fopen(argv[1], "w");
	if (f == NULL || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f) != 0) {
		perror("maxrss: write");
		return 111;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
