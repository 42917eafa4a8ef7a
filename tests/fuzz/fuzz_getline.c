/*
 * libFuzzer target for rbuf_getline.  The first two bytes choose the line
 * limit, the rest is written to a memfd and read back line by line.
 * Every byte must be accounted for: returned lines and the overlong ones
 * skipped with E2BIG, in order, add up to the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rbuf rb;

static int
load(const uint8_t *p, size_t n)
{
	int fd = memfd_create("fuzz_getline", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		abort();
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);

		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str line = STR_INIT;
	size_t max, off = 0;
	int fd, r, timeout;

	if (size < 2)
		return 0;
	/*
	 * Mostly small limits, sometimes past IO_BUFSIZE; with or without
	 * a timeout (a memfd is always ready, so it only changes the path).
	 */
	max = (size_t)data[0] | ((size_t)data[1] & 0x3f) << 8;
	if (data[1] & 0x80)
		max = max * 4 + 3;
	else
		max %= 300;
	timeout = data[1] & 0x40 ? 1000 : -1;
	data += 2;
	size -= 2;

	fd = load(data, size);
	rbuf_init(&rb, fd, timeout);
	for (;;) {
		const uint8_t *lf;
		size_t skip;

		errno = 0;
		r = rbuf_getline(&rb, &line, max);
		if (r == 0) {
			if (off != size || line.len != 0)
				abort();
			break;
		}
		if (r == 1) {
			if (line.len == 0 || line.len > max ||
			    line.len > size - off)
				abort();
			if (memcmp(line.s, data + off, line.len) != 0)
				abort();
			if (line.s[line.len] != '\0')
				abort();
			/* At most one LF, at the end; none only at EOF. */
			if (memchr(line.s, '\n', line.len - 1) != NULL)
				abort();
			off += line.len;
			if (line.s[line.len - 1] != '\n' && off != size)
				abort();
		} else if (r == -1 && errno == E2BIG) {
			if (line.len != 0 || off >= size)
				abort();
			/* The skipped line really was too long. */
			lf = memchr(data + off, '\n', size - off);
			skip = lf != NULL ? (size_t)(lf - (data + off)) + 1 :
			    size - off;
			if (skip <= max)
				abort();
			off += skip;
		} else {
			abort();
		}
		/* Memory follows the limit, not the input. */
		if (line.cap > 2 * max + 64)
			abort();
		if (off > size)
			abort();
	}
	/* The end stays the end. */
	if (rbuf_getline(&rb, &line, max) != 0)
		abort();
	str_free(&line);
	close(fd);
	return 0;
}
