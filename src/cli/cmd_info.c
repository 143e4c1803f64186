/* futurelm info CKPT: placeholder until checkpoints exist (issue 5). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_info(int argc, char **argv) {
    (void)argv;
    if (argc < 2) {
        fprintf(stderr, "usage: futurelm info CKPT\n");
        return 2;
    }
    fprintf(stderr, "futurelm: error: checkpoints are not implemented yet\n");
    return 1;
}
