/*
 * verify: checks an activation code with libactkit, the contract every
 * binding's example follows (docs/native.md):
 *
 *   verify-c KEYRING_FILE PRODUCT LICENCE MACHINE_UID CODE
 *
 * prints the verified terms as one JSON object on stdout and exits 0;
 * prints the reason on stderr and exits 1 for a refused code (or a
 * keyring that cannot be read); exits 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actkit.h"

/* read_file returns the file's contents, NUL-terminated, or NULL. A
 * keyring is small: anything over 1 MiB is not one. */
static char *read_file(const char *path) {
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return NULL;
	}
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap + 1);
	if (buf != NULL) {
		n = fread(buf, 1, cap + 1, f);
		if (n > cap || ferror(f)) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: %s KEYRING_FILE PRODUCT LICENCE MACHINE_UID CODE\n", argv[0]);
		return 2;
	}
	if (!actkit_abi_check()) {
		fprintf(stderr, "libactkit speaks ABI %d, this program was built for %d\n",
		        (int)actkit_abi_version(), ACTKIT_ABI_VERSION);
		return 1;
	}
	char *text = read_file(argv[1]);
	if (text == NULL) {
		fprintf(stderr, "cannot read the keyring file %s\n", argv[1]);
		return 1;
	}
	actkit_handle kr = 0;
	char *err = NULL;
	int st = actkit_keyring_parse(text, 0, &kr, &err);
	free(text);
	if (st != ACTKIT_OK) {
		fprintf(stderr, "keyring %s: %s\n", argv[1], err);
		actkit_free(err);
		return 1;
	}

	char *terms = NULL, *suggestion = NULL;
	int reason = ACTKIT_REASON_NONE;
	st = actkit_verify(kr, argv[2], argv[3], argv[4], argv[5], ACTKIT_NOW, &terms, &reason, &suggestion, &err);
	int exit_code = 0;
	if (st == ACTKIT_OK) {
		printf("%s\n", terms);
	} else if (st == ACTKIT_E_REFUSED) {
		fprintf(stderr, "%s: %s\n", actkit_reason_name(reason), err);
		/* The message of a typo already ends "did you mean CODE?": say it
		 * once, and only add it when the message does not. */
		if (suggestion != NULL && strstr(err, suggestion) == NULL) {
			fprintf(stderr, "did you mean %s\n", suggestion);
		}
		exit_code = 1;
	} else {
		fprintf(stderr, "%s: %s\n", actkit_status_name(st), err);
		exit_code = 1;
	}
	actkit_free(terms);
	actkit_free(suggestion);
	actkit_free(err);
	actkit_close(kr);
	return exit_code;
}
