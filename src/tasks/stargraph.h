/* The star-graph (path-star) planning task of Bachmann & Nagarajan, "The Pitfalls
 * of Next-Token Prediction" (ICML 2024): a centre node with D arms of L nodes each
 * (the centre counted in every arm), the edge list shuffled, and the question "the
 * path from the centre to the end of this arm". A next-token model trained with
 * teacher forcing can learn to follow edges once it is on the right arm (the
 * "Clever Hans" shortcut) without ever learning to choose the arm; the three
 * scores below separate the two.
 *
 * One example a line, in the original code's text format:
 *     a,b|c,d|...|y,z/start,goal=n1,n2,...,nL
 * edges as from,to (directed away from the centre), then the centre and the goal,
 * then the path (n1 = start, nL = goal).
 *
 * Fixed tokenizer for M node labels (0..M-1): a node's id is its label; then
 *     M ','   M+1 '|'   M+2 '/'   M+3 '='   M+4 <|endoftext|>
 * so a model trained on this data has model.vocab_size = M + 5. A training
 * document is <|endoftext|> followed by the line's tokens; every example of a
 * (D, L) data set has the same length, fl_sg_example_tokens(D, L).
 *
 *   stargraph.c       generator, text format, tokenizer, checker, the three scores
 *   stargraph_data.c  the data folder writer and the test-file reader
 *   stargraph_eval.c  greedy decoding from a model and its scores
 *
 * No global mutable state; every random draw comes from a caller's fl_rng or seed. */
#ifndef FL_TASKS_STARGRAPH_H
#define FL_TASKS_STARGRAPH_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "futurelm.h"
#include "tasks/task.h"
#include "util/rng.h"

#define FL_SG_MAX_DEGREE 16
#define FL_SG_MAX_PATH 24 /* L: nodes on an arm, the centre included */
#define FL_SG_MAX_EDGES (FL_SG_MAX_DEGREE * (FL_SG_MAX_PATH - 1))
/* Labels are below this, so that M + 5 fits a uint16 shard (65,536 ids). */
#define FL_SG_MAX_NODES 65000

/* Token ids after the M node ids. */
enum { FL_SG_COMMA = 0, FL_SG_BAR = 1, FL_SG_SLASH = 2, FL_SG_EQUALS = 3, FL_SG_EOT = 4, FL_SG_SPECIALS = 5 };
static inline int32_t fl_sg_tok(int n_nodes, int special) { return (int32_t)(n_nodes + special); }
static inline int fl_sg_vocab_size(int n_nodes) { return n_nodes + FL_SG_SPECIALS; }

typedef struct {
    int n_edges;
    int32_t from[FL_SG_MAX_EDGES], to[FL_SG_MAX_EDGES]; /* in the line's (shuffled) order */
    int32_t start, goal;
    int path_len;                 /* nodes in path */
    int32_t path[FL_SG_MAX_PATH]; /* the reference path, start first, goal last */
} fl_sg_example;

typedef struct {
    int degree;   /* D >= 2 arms */
    int path_len; /* L >= 3 nodes an arm, the centre included */
    int n_nodes;  /* M labels; D*(L-1) + 1 <= M */
} fl_sg_shape;
fl_status fl_sg_shape_check(const fl_sg_shape *s, fl_error *err);

/* Tokens of one training document of this shape: <|endoftext|>, the D*(L-1)
 * edges (3 tokens each) with D*(L-1)-1 '|', '/' start ',' goal '=' (5), and the
 * path's L nodes with L-1 ','. That is 4D(L-1) + 2L + 4 (46 for D=2, L=5). */
int fl_sg_example_tokens(int degree, int path_len);

/* One example: D(L-1)+1 distinct labels drawn uniformly from 0..M-1 (in random
 * order, so which arm a label lands on is random), a random goal arm, the edges
 * shuffled. The arms' order in the edge list is therefore random too. */
fl_status fl_sg_generate(fl_rng *rng, const fl_sg_shape *shape, fl_sg_example *ex, fl_error *err);

/* Text. format returns 0 when buf is too small. parse is strict: a message
 * names the column (1-based) and what was expected there. Labels must be below
 * n_nodes (0: below FL_SG_MAX_NODES). The graph must have every node's in-degree
 * at most 1 (a tree grown from its roots) and a path from start to goal, which is
 * then unique; the written path is kept as is (check it with fl_sg_check). */
int fl_sg_format_line(const fl_sg_example *ex, char *buf, size_t len);
fl_status fl_sg_parse_line(const char *line, int n_nodes, fl_sg_example *ex, fl_error *err);
/* The line up to and including '=' parsed as above, and the text after it
 * returned in *path_text for the checker (NULL when there is no '='). */
fl_status fl_sg_parse_graph(const char *line, int n_nodes, fl_sg_example *ex, const char **path_text,
                            fl_error *err);

/* Tokens <-> text. tokenize accepts the characters of the format (decimal labels
 * below n_nodes, , | / =) and "<|endoftext|>", no spaces; errors name the column.
 * detokenize writes labels and separators back, "<|endoftext|>" for the separator
 * and "?" for an id outside the vocabulary; 0 when buf is too small. */
fl_status fl_sg_tokenize(const char *text, int n_nodes, int32_t *ids, int cap, int *n, fl_error *err);
int fl_sg_detokenize(const int32_t *ids, int n, int n_nodes, char *buf, size_t len);
/* Tokens of the prompt `edges/start,goal=` (with_path 0) or of the whole line
 * (with_path 1), no <|endoftext|>; returns how many (cap must hold them, else -1). */
int fl_sg_encode(const fl_sg_example *ex, int n_nodes, int with_path, int32_t *ids, int cap);

/* ---- checking a predicted path */
typedef enum {
    FL_SG_PASS = 0,
    FL_SG_ERR_PARSE,       /* not a comma-separated list of node labels */
    FL_SG_ERR_WRONG_START, /* the first node is not the start */
    FL_SG_ERR_REPEATED,    /* a node comes twice */
    FL_SG_ERR_MISSING_EDGE, /* two consecutive nodes are not an edge of the graph */
    FL_SG_ERR_WRONG_LENGTH, /* follows edges from the start but stops short of the path's length */
    FL_SG_ERR_WRONG_GOAL,   /* follows edges the whole length, to another arm's end */
    FL_SG_N_VERDICTS
} fl_sg_verdict;
/* "pass", "parse", "wrong-start", "repeated-node", "missing-edge", "wrong-length", "wrong-goal" */
const char *fl_sg_verdict_name(fl_sg_verdict v);

/* The verdict on a path of n nodes, judged against the graph alone (edges, start,
 * goal; the length of the unique start-goal path), not against ex->path. Checks
 * in the order of the enum; why (may be NULL) gets a sentence. */
fl_sg_verdict fl_sg_check(const fl_sg_example *ex, const int32_t *nodes, int n, char *why, size_t why_len);
/* The same on tokens a model wrote after '=': node (',' node)*, ending at
 * <|endoftext|> or at the end of ids. Anything else is a parse verdict. */
fl_sg_verdict fl_sg_check_tokens(const fl_sg_example *ex, int n_nodes, const int32_t *ids, int n, char *why,
                                 size_t why_len);
/* The same on text ("3,17,4") that lies in the string line (pass text twice for a
 * bare path): a parse verdict names the column, counted from line's start. */
fl_sg_verdict fl_sg_check_text(const fl_sg_example *ex, int n_nodes, const char *line, const char *text, char *why,
                               size_t why_len);

/* ---- the three scores on a set of predictions (docs/design.md 4.6: exact path, first step,
 * remaining steps given the true first step). What a model wrote for one example:
 *   free      the tokens after the prompt `...=` (greedy, free-running);
 *   first     the token after `...=n1,` (the choice of arm; n1 is the start,
 *             which the prompt names, so it is forced);
 *   rest      the tokens after `...=n1,n2,` with the true n2 forced: a model that
 *             only follows edges gets these right. */
typedef struct {
    const int32_t *free;
    int n_free;
    int32_t first;
    const int32_t *rest;
    int n_rest;
} fl_sg_prediction;

typedef struct {
    long correct, n;
    double acc, lo, hi; /* hi/lo: bootstrap 95% interval */
} fl_sg_score;

typedef struct {
    fl_sg_score exact; /* free passes the checker */
    fl_sg_score first; /* first == path[1]; chance is 1/D */
    fl_sg_score rest;  /* rest begins with exactly the tokens n3 , n4 , ... , nL */
    long verdicts[FL_SG_N_VERDICTS]; /* of the free predictions */
    long first_fail; /* index of the first example whose free prediction failed (-1: none) */
} fl_sg_scores;

fl_status fl_sg_score_set(const fl_sg_example *ex, const fl_sg_prediction *pred, long n, int n_nodes, int n_boot,
                          uint64_t boot_seed, fl_sg_scores *out, fl_error *err);

/* ---- the data folder (stargraph_data.c) */
typedef struct {
    fl_task_data_opts data; /* out_dir, n_train, n_test (held-out lines of test.txt), val_fraction, seed */
    fl_sg_shape shape;
} fl_sg_data_opts;
/* The paper's hard setting D=2, L=5, M=50; 1000 held-out, 10% val, seed 1337; no out_dir, n_train -1. */
void fl_sg_data_opts_default(fl_sg_data_opts *o);

/* Writes DIR/{train,val}_*.bin + manifest.json (what `futurelm train --data`
 * reads), DIR/test.txt (n_test lines with their reference path, none the same
 * graph and question as a training example), DIR/vocab.txt and DIR/stargraph.json
 * (the shape and the document length). */
fl_status fl_sg_write_data(const fl_sg_data_opts *o, fl_task_data_result *r, fl_error *err);
/* Reads a file of lines (test.txt); errors name the line and the column. Blank
 * lines are skipped. *out is malloc'd. */
fl_status fl_sg_read_file(const char *path, int n_nodes, fl_sg_example **out, long *n, fl_error *err);

/* ---- evaluation of a model (stargraph_eval.c) */
typedef struct {
    long max_examples; /* 0: all */
    int n_boot;        /* bootstrap resamples (default 1000) */
    uint64_t boot_seed;
} fl_sg_eval_opts;
void fl_sg_eval_opts_default(fl_sg_eval_opts *o);

typedef struct {
    int n_nodes; /* M, from the model's vocabulary */
    fl_sg_scores s;
    double first_chance; /* mean of 1/D over the examples: first-step accuracy by guessing */
    char example_fail[512]; /* the first failing free prediction, as text, with its verdict */
} fl_sg_eval_result;
fl_status fl_sg_eval(const fl_model *m, const fl_sg_example *ex, long n, const fl_sg_eval_opts *o,
                     fl_sg_eval_result *r, fl_error *err);
/* The result as one JSON object {"n":..., "exact": {"acc", "lo", "hi", "correct"}, "first": {...,
 * "chance"}, "rest": {...}, "verdicts": {name: count}, "example_fail": "..."}. */
void fl_sg_json(FILE *f, const fl_sg_eval_result *r);

#endif
