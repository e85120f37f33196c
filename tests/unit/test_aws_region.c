/* aws/config.h: region names against the partitions' patterns, and where a region came
 * from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/config.h"
#include "test.h"

FA2_TEST(aws_region_partition)
{
	static const struct {
		const char *region, *partition, *suggest;
	} cases[] = {
		{ "us-east-1", "aws", "" },             { "ap-southeast-7", "aws", "" },
		{ "mx-central-1", "aws", "" },          { "ap-southeast-9", "aws", "" },  /* future */
		{ "cn-northwest-1", "aws-cn", "" },     { "us-gov-east-1", "aws-us-gov", "" },
		{ "us-iso-west-1", "aws-iso", "" },     { "us-isob-east-1", "aws-iso-b", "" },
		{ "eu-isoe-west-1", "aws-iso-e", "" },  { "us-isof-south-1", "aws-iso-f", "" },
		{ "eusc-de-east-1", "aws-eusc", "" },
		{ "us-wst-2", NULL, "us-west-2" },      { "eu-centrl-1", NULL, "eu-central-1" },
		{ "us-east-01", NULL, "us-east-1" },    { "us-east-100", NULL, "us-east-1" },
		{ "US-EAST-1", NULL, "" },              { "useast1", NULL, "us-east-1" },
		{ "us-gov-wst-1", NULL, "us-gov-west-1" }, { "xx-east-1", NULL, "us-east-1" },
		{ "us-gov-1", NULL, "" },
		{ "", NULL, "" },                       { "local", NULL, "" },
		{ "us-east-1 ", NULL, "us-east-1" },    { "zz-northnorth-1", NULL, "" },
	};
	size_t i;
	char hint[64];

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *p = fa2_aws_region_partition(cases[i].region, hint, sizeof hint);
		CHECK_MSG(cases[i].partition ? p && strcmp(p, cases[i].partition) == 0 : p == NULL,
		          "%s: partition %s", cases[i].region, p ? p : "(none)");
		if (!cases[i].partition)
			CHECK_MSG(strcmp(hint, cases[i].suggest) == 0, "%s: suggestion '%s', want '%s'",
			          cases[i].region, hint, cases[i].suggest);
	}
	CHECK(fa2_aws_region_partition(NULL, hint, sizeof hint) == NULL);
	CHECK(fa2_aws_region_partition("us-wst-2", NULL, 0) == NULL);
}

FA2_TEST(aws_region_source)
{
	fa2_aws_config c;
	char region[64], src[200];
	const char *old_r = getenv("AWS_REGION"), *old_d = getenv("AWS_DEFAULT_REGION");
	char keep_r[64] = "", keep_d[64] = "";

	if (old_r)
		snprintf(keep_r, sizeof keep_r, "%s", old_r);
	if (old_d)
		snprintf(keep_d, sizeof keep_d, "%s", old_d);
	unsetenv("AWS_REGION");
	setenv("AWS_DEFAULT_REGION", "eu-west-3", 1);
	fa2_aws_config_init(&c, "given");
	CHECK_STR_EQ(c.profile_source, "option");
	CHECK_OK(fa2_aws_region_from_config_src(&c, region, sizeof region, src, sizeof src));
	CHECK_STR_EQ(region, "eu-west-3");
	CHECK_STR_EQ(src, "environment AWS_DEFAULT_REGION");
	setenv("AWS_REGION", "ap-south-2", 1);
	CHECK_OK(fa2_aws_region_from_config_src(&c, region, sizeof region, src, sizeof src));
	CHECK_STR_EQ(src, "environment AWS_REGION");
	fa2_aws_config_cleanup(&c);
	if (old_r)
		setenv("AWS_REGION", keep_r, 1);
	else
		unsetenv("AWS_REGION");
	if (old_d)
		setenv("AWS_DEFAULT_REGION", keep_d, 1);
	else
		unsetenv("AWS_DEFAULT_REGION");
}
