/* Moved to src/ckpt/safetensors.h. This forwarding header keeps the callers
 * other owners have not switched yet building (tests/parity.h); delete it once
 * they include "ckpt/safetensors.h". */
#include "ckpt/safetensors.h"
