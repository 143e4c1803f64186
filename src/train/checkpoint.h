/* Moved to src/ckpt/checkpoint.h. This forwarding header keeps the callers
 * other owners have not switched yet building (src/eval/run_common.c,
 * src/cli/cmd_compare.c); delete it once they include "ckpt/checkpoint.h". */
#include "ckpt/checkpoint.h"
