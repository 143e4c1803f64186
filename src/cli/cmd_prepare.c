/* futurelm prepare (placeholder, filled in below). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_prepare(int argc, char **argv) {
    (void)argc, (void)argv;
    return 1;
}
