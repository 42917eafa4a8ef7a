#include "authconf.h"

#include <stdio.h>
#include <string.h>

#include "control.h"

struct setting {
	const char *name;
	uint64_t def, min, max;
	uint64_t *v;
};

int
auth_conf_read(struct auth_conf *c, char *errbuf, size_t n)
{
	struct setting s[] = {
		{ "argon2_passes", 2, 1, 1000, &c->hash.t },
		{ "argon2_memory", 65536, 8, 64ULL * 1024 * 1024, &c->hash.m_kib },
		{ "argon2_max_passes", 8, 1, 1000, &c->max.t },
		{ "argon2_max_memory", 262144, 8, 64ULL * 1024 * 1024,
		    &c->max.m_kib },
		{ "argon2_max_lanes", 4, 1, 255, &c->max.p },
		{ "checkpw_delay", 2000, 0, 60000, &c->delay_ms },
		{ "checkpw_timeout", 10, 1, 600, &c->timeout_s },
	};
	struct control_err err;
	size_t i;

	memset(c, 0, sizeof *c);
	c->hash.p = 1;
	for (i = 0; i < sizeof s / sizeof s[0]; i++) {
		if (control_u64(s[i].name, s[i].def, s[i].max, s[i].v, &err) <
		    0) {
			control_err_format(&err, errbuf, n);
			return -1;
		}
		if (*s[i].v < s[i].min) {
			snprintf(errbuf, n, "%s/%s: at least %llu", control_dir(),
			    s[i].name, (unsigned long long)s[i].min);
			return -1;
		}
	}
	return 0;
}
