/* libFuzzer target: the INI parser for ~/.aws/config and credentials, and profile
 * lookups over whatever it accepts. Every entry's slices must lie inside the parser's
 * own buffers, and lookups must find what the entries say. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "aws/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_ini ini;
	size_t i;
	fa2_ini_init(&ini);
	if (fa2_ini_parse(&ini, fa2_slice_make((const char *)data, size)) == FA2_OK) {
		for (i = 0; i < ini.n; i++) {
			fa2_slice v, sub;
			if (!fa2_ini_get(&ini, ini.e[i].section, ini.e[i].key, &v))
				abort();
			if (!fa2_ini_has_section(&ini, ini.e[i].section))
				abort();
			(void)fa2_ini_get_sub(&ini, ini.e[i].section, ini.e[i].key, FA2_SLICE_LIT("endpoint_url"), &sub);
		}
	}
	fa2_ini_cleanup(&ini);
	return 0;
}
