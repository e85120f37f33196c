#include "base/err.h"

static const char *const err_text[] = {
#define FA2_ERR_TEXT_(name, text) text,
	FA2_ERR_LIST(FA2_ERR_TEXT_)
#undef FA2_ERR_TEXT_
};

static const char *const err_names[] = {
#define FA2_ERR_NAME_(name, text) #name,
	FA2_ERR_LIST(FA2_ERR_NAME_)
#undef FA2_ERR_NAME_
};

const char *fa2_err_str(fa2_err err)
{
	if ((unsigned)err >= (unsigned)FA2_ERR__COUNT)
		return "unknown error";
	return err_text[err];
}

const char *fa2_err_name(fa2_err err)
{
	if ((unsigned)err >= (unsigned)FA2_ERR__COUNT)
		return "FA2_ERR_UNKNOWN";
	return err_names[err];
}
