/* Build identification, filled in by the Makefile. */
#ifndef FA2_BASE_VERSION_H
#define FA2_BASE_VERSION_H

#ifndef FA2_VERSION
#define FA2_VERSION "0.0.0-dev"
#endif
#ifndef FA2_TARGET
#define FA2_TARGET "unknown"
#endif
#ifndef FA2_BEARSSL_VERSION
#define FA2_BEARSSL_VERSION "0.6"
#endif
#ifndef FA2_CJSON_VERSION
#define FA2_CJSON_VERSION "unknown"
#endif

#endif
