/*
 * abi_test drives libactkit from C for the Go test in native/ (and the
 * benchmark, native/bench.sh):
 *
 *   abi_test machine-id PRODUCT VERSION        prints the UID
 *   abi_test vectors FILE.tsv                  runs code vectors, prints mismatches
 *   abi_test updates FILE.tsv                  runs keyring-update vectors, prints mismatches
 *   abi_test threads KEYRING LICENCE UID CODE  verifies from 8 threads at once
 *   abi_test bench KEYRING LICENCE UID CODE N  CPU ns per actkit_verify call
 *
 * A vector line is tab-separated: keyring file, hmac (0/1), product,
 * licence key, machine UID, code, now (Unix ms), expected result
 * ("valid"/"invalid"), reason, suggestion, terms JSON (as Go makes it),
 * certificate (empty: actkit_verify, else actkit_verify_delegated).
 *
 * An update line: keyring file, update text, now (Unix ms), expected
 * result, reason, the info JSON and the text of the keyring after the
 * update (as Go makes them).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actkit.h"

static char *slurp(const char *path) {
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static actkit_handle keyring(const char *path, int flags) {
	char *text = slurp(path), *err = NULL;
	actkit_handle h = 0;
	if (actkit_keyring_parse(text, flags, &h, &err) != ACTKIT_OK) {
		fprintf(stderr, "keyring %s: %s\n", path, err);
		exit(1);
	}
	free(text);
	return h;
}

/* unescape undoes the TSV escapes \t \n \r \\ in place. */
static void unescape(char *s) {
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == '\\' && r[1] != '\0') {
			r++;
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static const char *nz(const char *s) { return s == NULL ? "" : s; }

static int vectors(const char *path) {
	char *data = slurp(path);
	int lines = 0, bad = 0;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *f[12];
		int n = 0;
		for (char *p = line; n < 12; n++) {
			f[n] = p;
			char *tab = strchr(p, '\t');
			if (tab == NULL) {
				n++;
				break;
			}
			*tab = '\0';
			p = tab + 1;
		}
		if (n != 12) {
			fprintf(stderr, "line %d: %d fields\n", lines + 1, n);
			return 2;
		}
		lines++;
		for (int i = 0; i < 12; i++) {
			unescape(f[i]);
		}
		actkit_handle kr = keyring(f[0], atoi(f[1]) ? ACTKIT_KEYRING_HMAC_SECRETS : 0);
		char *terms = NULL, *sugg = NULL, *err = NULL;
		int reason = 0, st;
		if (f[11][0] == '\0') {
			st = actkit_verify(kr, f[2], f[3], f[4], f[5], strtoll(f[6], NULL, 10), &terms, &reason, &sugg, &err);
		} else {
			st = actkit_verify_delegated(kr, f[2], f[3], f[4], f[5], f[11], strtoll(f[6], NULL, 10), &terms, &reason,
			                             &sugg, &err);
		}
		int valid = strcmp(f[7], "valid") == 0;
		if (!valid && strcmp(f[7], "invalid") != 0) {
			fprintf(stderr, "line %d: result %s\n", lines, f[7]);
			return 2;
		}
		if (valid && (st != ACTKIT_OK || strcmp(nz(terms), f[10]) != 0)) {
			printf("line %d: status %d %s terms %s, want %s\n", lines, st, nz(err), nz(terms), f[10]);
			bad++;
		} else if (!valid && (st != ACTKIT_E_REFUSED || strcmp(nz(actkit_reason_name(reason)), f[8]) != 0 ||
		                      strcmp(nz(sugg), f[9]) != 0)) {
			printf("line %d: status %d reason %s suggestion %s, want %s %s\n", lines, st,
			       nz(actkit_reason_name(reason)), nz(sugg), f[8], f[9]);
			bad++;
		}
		actkit_free(terms);
		actkit_free(sugg);
		actkit_free(err);
		actkit_close(kr);
	}
	free(data);
	printf("%d vectors, %d mismatches\n", lines, bad);
	return bad == 0 && lines > 0 ? 0 : 1;
}

static int updates(const char *path) {
	char *data = slurp(path);
	int lines = 0, bad = 0;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *f[7];
		int n = 0;
		for (char *p = line; n < 7; n++) {
			f[n] = p;
			char *tab = strchr(p, '\t');
			if (tab == NULL) {
				n++;
				break;
			}
			*tab = '\0';
			p = tab + 1;
		}
		if (n != 7) {
			fprintf(stderr, "line %d: %d fields\n", lines + 1, n);
			return 2;
		}
		lines++;
		for (int i = 0; i < 7; i++) {
			unescape(f[i]);
		}
		int64_t now = strtoll(f[2], NULL, 10);
		int valid = strcmp(f[3], "valid") == 0;
		actkit_handle kr = keyring(f[0], 0), next = 0;
		char *text = NULL, *info = NULL, *err = NULL;
		int reason = 0;
		int st = actkit_keyring_update(kr, f[1], now, &next, &text, &reason, &err);
		if (valid) {
			int ist = next == 0 ? -1 : actkit_keyring_info(next, &info, NULL);
			if (st != ACTKIT_OK || ist != ACTKIT_OK || strcmp(nz(info), f[5]) != 0 || strcmp(nz(text), f[6]) != 0) {
				printf("update line %d: status %d %s info %s, want %s\n", lines, st, nz(err), nz(info), f[5]);
				bad++;
			}
		} else if (st != ACTKIT_E_REFUSED || strcmp(nz(actkit_reason_name(reason)), f[4]) != 0 || next != 0 ||
		           text != NULL) {
			printf("update line %d: status %d reason %s (%s), want %s\n", lines, st, nz(actkit_reason_name(reason)),
			       nz(err), f[4]);
			bad++;
		}
		actkit_free(text);
		actkit_free(info);
		actkit_free(err);
		actkit_close(next);
		/* The same from the texts, and with no handle wanted. */
		char *held = slurp(f[0]), *text2 = NULL, *text3 = NULL;
		int reason2 = 0;
		int st2 = actkit_keyring_update_text(held, 0, f[1], now, &text2, &reason2, NULL);
		int st3 = actkit_keyring_update(kr, f[1], now, NULL, &text3, NULL, NULL);
		if (st2 != st || st3 != st || reason2 != reason || (valid && (strcmp(nz(text2), f[6]) != 0 || strcmp(nz(text3), f[6]) != 0))) {
			printf("update line %d: update_text status %d reason %d, without a handle %d; actkit_keyring_update %d %d\n",
			       lines, st2, reason2, st3, st, reason);
			bad++;
		}
		actkit_free(text2);
		actkit_free(text3);
		free(held);
		actkit_close(kr);
	}
	free(data);
	printf("%d updates, %d mismatches\n", lines, bad);
	return bad == 0 && lines > 0 ? 0 : 1;
}

struct job {
	actkit_handle kr;
	char **argv;
	int failures;
};

static void *worker(void *arg) {
	struct job *j = arg;
	for (int i = 0; i < 200; i++) {
		char *terms = NULL, *err = NULL;
		int reason = 0;
		int st = actkit_verify(j->kr, NULL, j->argv[3], j->argv[4], j->argv[5], ACTKIT_NOW, &terms, &reason, NULL, &err);
		if (st != ACTKIT_OK || terms == NULL || strstr(terms, "\"serial\"") == NULL) {
			j->failures++;
		}
		actkit_free(terms);
		actkit_free(err);
	}
	return NULL;
}

static int threads(char **argv) {
	actkit_handle kr = keyring(argv[2], 0);
	pthread_t t[8];
	struct job jobs[8];
	for (int i = 0; i < 8; i++) {
		jobs[i] = (struct job){kr, argv, 0};
		pthread_create(&t[i], NULL, worker, &jobs[i]);
	}
	int failures = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		failures += jobs[i].failures;
	}
	actkit_close(kr);
	printf("8 threads x 200 verifications, %d failures\n", failures);
	return failures == 0 ? 0 : 1;
}

/* now_ns is the process's CPU time, every thread (native/bench.sh). */
static double now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int bench(char **argv) {
	actkit_handle kr = keyring(argv[2], 0);
	long n = atol(argv[6]);
	double start = now_ns();
	for (long i = 0; i < n; i++) {
		char *terms = NULL, *err = NULL;
		int reason = 0;
		if (actkit_verify(kr, NULL, argv[3], argv[4], argv[5], ACTKIT_NOW, &terms, &reason, NULL, &err) != ACTKIT_OK) {
			fprintf(stderr, "bench: %s\n", nz(err));
			return 1;
		}
		actkit_free(terms);
	}
	printf("%.0f\n", (now_ns() - start) / (double)n);
	actkit_close(kr);
	return 0;
}

int main(int argc, char **argv) {
	if (!actkit_abi_check()) {
		fprintf(stderr, "ABI %d, want %d\n", (int)actkit_abi_version(), ACTKIT_ABI_VERSION);
		return 1;
	}
	if (argc == 4 && strcmp(argv[1], "machine-id") == 0) {
		char *uid = NULL, *explain = NULL, *err = NULL;
		int st = actkit_machine_uid(argv[2], argv[3], 0, NULL, &uid, &explain, &err);
		if (st != ACTKIT_OK) {
			fprintf(stderr, "%s: %s\n", actkit_status_name(st), err);
			return 1;
		}
		printf("%s\n%s\n", uid, explain);
		actkit_free(uid);
		actkit_free(explain);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "vectors") == 0) {
		return vectors(argv[2]);
	}
	if (argc == 3 && strcmp(argv[1], "updates") == 0) {
		return updates(argv[2]);
	}
	if (argc == 6 && strcmp(argv[1], "threads") == 0) {
		return threads(argv);
	}
	if (argc == 7 && strcmp(argv[1], "bench") == 0) {
		return bench(argv);
	}
	fprintf(stderr, "usage: abi_test machine-id|vectors|updates|threads|bench ...\n");
	return 2;
}
