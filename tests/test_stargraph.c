/* The star-graph task: the generator's graphs (they parse back, labels are
 * distinct, one path leads from the centre to the goal, the arms come in random
 * order), the checker on hand-made paths with known verdicts, the parser's
 * errors, the tokenizer both ways, and the three scores on hand-made predictions. */
#include <string.h>

#include "check.h"
#include "tasks/stargraph.h"

/* Paths from `at` to goal along the edges (a DFS that counts them all). */
static int count_paths(const fl_sg_example *ex, int32_t at, int depth) {
    if (at == ex->goal) return 1;
    if (depth > ex->n_edges) return 1000; /* a cycle */
    int n = 0;
    for (int i = 0; i < ex->n_edges; i++)
        if (ex->from[i] == at) n += count_paths(ex, ex->to[i], depth + 1);
    return n;
}

static int same_example(const fl_sg_example *a, const fl_sg_example *b) {
    if (a->n_edges != b->n_edges || a->start != b->start || a->goal != b->goal || a->path_len != b->path_len) return 0;
    for (int i = 0; i < a->n_edges; i++)
        if (a->from[i] != b->from[i] || a->to[i] != b->to[i]) return 0;
    for (int i = 0; i < a->path_len; i++)
        if (a->path[i] != b->path[i]) return 0;
    return 1;
}

static void generator(int D, int L, int M) {
    fl_sg_shape sh = {D, L, M};
    char name[160], line[8192], why[200];
    fl_error err = {0};
    int parses = 1, distinct = 1, one_path = 1, shape = 1, passes = 1, tokens = 1, rank_seen[FL_SG_MAX_DEGREE] = {0}, in_order = 0;
    int seen_label[FL_SG_MAX_NODES] = {0};
    const int draws = 400;
    for (int seed = 0; seed < draws; seed++) {
        fl_rng r;
        fl_rng_seed(&r, (uint64_t)seed);
        fl_sg_example ex, back;
        if (fl_sg_generate(&r, &sh, &ex, &err)) {
            check(0, "generate", "%s", err.msg);
            return;
        }
        parses &= fl_sg_format_line(&ex, line, sizeof line) && fl_sg_parse_line(line, M, &back, &err) == FL_OK &&
                  same_example(&ex, &back);
        /* labels: D(L-1)+1 distinct, all below M */
        int32_t nodes[FL_SG_MAX_EDGES + 1];
        int k = 0;
        nodes[k++] = ex.start;
        for (int i = 0; i < ex.n_edges; i++) nodes[k++] = ex.to[i];
        for (int i = 0; i < k; i++) {
            distinct &= nodes[i] >= 0 && nodes[i] < M;
            if (nodes[i] >= 0 && nodes[i] < M) seen_label[nodes[i]] = 1;
            for (int j = 0; j < i; j++) distinct &= nodes[i] != nodes[j];
        }
        distinct &= k == D * (L - 1) + 1;
        one_path &= count_paths(&ex, ex.start, 0) == 1;
        int out_start = 0, out_goal = 0;
        for (int i = 0; i < ex.n_edges; i++) out_start += ex.from[i] == ex.start, out_goal += ex.from[i] == ex.goal;
        shape &= ex.n_edges == D * (L - 1) && out_start == D && out_goal == 0 && ex.path_len == L &&
                 ex.path[0] == ex.start && ex.path[L - 1] == ex.goal;
        passes &= fl_sg_check(&ex, ex.path, ex.path_len, why, sizeof why) == FL_SG_PASS;
        int32_t ids[4096];
        int n = fl_sg_encode(&ex, M, 1, ids, 4096);
        tokens &= n + 1 == fl_sg_example_tokens(D, L);
        /* the goal arm's rank among the arms in order of first appearance in the edge list */
        int first_goal_arm = -1, ranks = 0;
        int32_t seen_arm[FL_SG_MAX_DEGREE];
        for (int i = 0; i < ex.n_edges && first_goal_arm < 0; i++) {
            if (ex.from[i] != ex.start) continue;
            if (ex.to[i] == ex.path[1]) first_goal_arm = ranks;
            else seen_arm[ranks++] = ex.to[i];
        }
        (void)seen_arm;
        if (first_goal_arm >= 0) rank_seen[first_goal_arm]++;
        /* the goal arm's edges in path order in the list: 1/(L-1)! of the time when shuffled */
        int at = 0, ordered = 1;
        for (int step = 0; step + 1 < L && ordered; step++) {
            int e = -1;
            for (int i = 0; i < ex.n_edges && e < 0; i++)
                if (ex.from[i] == ex.path[step] && ex.to[i] == ex.path[step + 1]) e = i;
            ordered = e >= at;
            at = e;
        }
        in_order += ordered;
    }
    snprintf(name, sizeof name, "D=%d L=%d M=%d: every generated line parses back to the same graph", D, L, M);
    check(parses, name, "'%s' (%s)", line, err.msg);
    snprintf(name, sizeof name, "D=%d L=%d M=%d: D(L-1)+1 distinct labels below M", D, L, M);
    check(distinct, name, "'%s'", line);
    snprintf(name, sizeof name, "D=%d L=%d M=%d: exactly one path from the start to the goal", D, L, M);
    check(one_path, name, "'%s'", line);
    snprintf(name, sizeof name, "D=%d L=%d M=%d: a centre with D arms of L nodes, the goal an arm's end", D, L, M);
    check(shape, name, "'%s'", line);
    snprintf(name, sizeof name, "D=%d L=%d M=%d: the reference path passes the checker", D, L, M);
    check(passes, name, "'%s': %s", line, why);
    snprintf(name, sizeof name, "D=%d L=%d M=%d: every example is 4D(L-1)+2L+4 tokens", D, L, M);
    check(tokens, name, "%d", fl_sg_example_tokens(D, L));
    /* arm order: the goal's arm comes at every rank among the arms, near 1/D of the time */
    int spread = 1;
    for (int a = 0; a < D; a++) spread &= rank_seen[a] > draws / D / 2 && rank_seen[a] < 2 * draws / D;
    snprintf(name, sizeof name, "D=%d L=%d M=%d: the goal arm's position in the edge list varies over seeds", D, L, M);
    check(spread, name, "ranks %d %d %d", rank_seen[0], rank_seen[1], D > 2 ? rank_seen[2] : -1);
    double fact = 1;
    for (int i = 2; i < L; i++) fact *= i;
    snprintf(name, sizeof name, "D=%d L=%d M=%d: the edge list is shuffled (an arm's edges rarely in path order)", D, L,
             M);
    check(in_order < draws * (1.5 / fact + 0.03), name, "%d of %d in order", in_order, draws);
    int all = 1;
    for (int i = 0; i < M; i++) all &= seen_label[i];
    snprintf(name, sizeof name, "D=%d L=%d M=%d: every label 0..M-1 is drawn", D, L, M);
    check(all, name, "a label never appears in %d graphs", draws);
}

static fl_sg_example graph(const char *line) {
    fl_sg_example ex;
    fl_error err = {0};
    if (fl_sg_parse_line(line, 50, &ex, &err)) check(0, "parse a hand-made line", "'%s': %s", line, err.msg);
    return ex;
}

static void verdict(const fl_sg_example *ex, const char *path, fl_sg_verdict want, const char *why_has,
                    const char *name) {
    char why[200];
    fl_sg_verdict got = fl_sg_check_text(ex, 50, path, path, why, sizeof why);
    check(got == want && strstr(why, why_has), name, "'%s': %s (%s), expected %s with '%s'", path,
          fl_sg_verdict_name(got), why, fl_sg_verdict_name(want), why_has);
}

static void refused(const char *line, const char *msg_has, const char *name) {
    fl_sg_example ex;
    fl_error err = {0};
    fl_status st = fl_sg_parse_line(line, 50, &ex, &err);
    check(st == FL_ERR_FORMAT && strstr(err.msg, msg_has), name, "'%s': status %d, '%s'", line, st, err.msg);
}

int main(void) {
    /* --- generator */
    generator(2, 5, 50); /* the paper's hard setting */
    generator(3, 4, 20);
    generator(5, 3, 11); /* every label used */
    fl_sg_shape sh = {2, 5, 50};
    fl_rng a, b;
    fl_sg_example x, y;
    fl_error err = {0};
    fl_rng_seed(&a, 7), fl_rng_seed(&b, 7);
    fl_sg_generate(&a, &sh, &x, &err), fl_sg_generate(&b, &sh, &y, &err);
    check(same_example(&x, &y), "the generator is deterministic for a seed", "two streams from seed 7 differ");
    fl_rng_seed(&b, 8);
    fl_sg_generate(&b, &sh, &y, &err);
    check(!same_example(&x, &y), "another seed gives another graph", "seeds 7 and 8 agree");
    fl_sg_shape tight = {2, 5, 8};
    check(fl_sg_generate(&a, &tight, &x, &err) == FL_ERR_ARG && strstr(err.msg, "--nodes 8"),
          "too few labels for the graph is refused", "%s", err.msg);
    fl_sg_shape one = {1, 5, 50};
    check(fl_sg_generate(&a, &one, &x, &err) == FL_ERR_ARG && strstr(err.msg, "--degree"), "one arm is refused", "%s",
          err.msg);

    /* --- the checker: centre 0, arms 0-1-2 and 0-3-4, goal 4 */
    fl_sg_example g = graph("3,4|0,1|1,2|0,3/0,4=0,3,4");
    verdict(&g, "0,3,4", FL_SG_PASS, "ok", "the true path passes");
    verdict(&g, "0,1,2", FL_SG_ERR_WRONG_GOAL, "ends at 2, not at the goal 4", "a path down the wrong arm fails");
    verdict(&g, "0,2,4", FL_SG_ERR_MISSING_EDGE, "0,2 (nodes 1 and 2) is not an edge", "a path with a missing edge fails");
    verdict(&g, "0,3,2", FL_SG_ERR_MISSING_EDGE, "3,2", "a jump to the other arm fails (missing edge)");
    verdict(&g, "0,3,0", FL_SG_ERR_REPEATED, "node 0 comes twice", "a path with a repeated node fails");
    verdict(&g, "0,3,4,4", FL_SG_ERR_REPEATED, "node 4 comes twice", "a path that repeats the goal fails");
    verdict(&g, "3,4", FL_SG_ERR_WRONG_START, "starts at 3", "a path that skips the start fails");
    verdict(&g, "0,3", FL_SG_ERR_WRONG_LENGTH, "stops after 2 nodes", "a path that stops short fails");
    verdict(&g, "0,3,4,5", FL_SG_ERR_MISSING_EDGE, "4,5", "a path past the goal fails");
    verdict(&g, "0,,3", FL_SG_ERR_PARSE, "column 3: expected a node label, found ','", "a malformed path fails (parse)");
    verdict(&g, "0,3,", FL_SG_ERR_PARSE, "column 5", "a path ending in ',' fails (parse)");
    verdict(&g, "0 3 4", FL_SG_ERR_PARSE, "column 2: expected ','", "spaces in a path fail (parse)");
    verdict(&g, "", FL_SG_ERR_PARSE, "end of the line", "an empty path fails (parse)");
    char why[200];
    const char *line = "3,4|0,1|1,2|0,3/0,4=0,1,2";
    fl_sg_example w;
    const char *path;
    fl_sg_parse_graph(line, 50, &w, &path, &err);
    check(fl_sg_check_text(&w, 50, line, path, why, sizeof why) == FL_SG_ERR_WRONG_GOAL,
          "parse_graph leaves the written path to the checker", "%s", why);
    fl_sg_check_text(&w, 50, line, "0,x", why, sizeof why);
    check(strstr(why, "column") != NULL, "a parse verdict names a column", "%s", why);

    /* --- malformed lines: the parser names the column and what it expected */
    refused("3,4|0,1|1,2|0,3/0,4", "column 20: expected '=' after the goal", "a line without '=' is refused");
    refused("3,4|0,1x|1,2|0,3/0,4=0,3,4", "column 8: expected '|' or '/' after an edge, found 'x'",
            "a stray character is refused with its column");
    refused("3,4|0,1|1,2|0,3", "column 16: expected '|' or '/'", "a line without '/' is refused");
    refused("3,4|0,4|0,3/0,4=0,3,4", "node 4 has a second incoming edge", "a node with two parents is refused");
    refused("3,3|0,3/0,3=0,3", "is a loop", "a loop is refused");
    refused("3,4|0,1/0,4=0,3,4", "no path", "a goal the start cannot reach is refused");
    refused("3,4|0,1/0,0=0", "both 0", "start = goal is refused");
    refused("3,4|0,51/0,4=0,3,4", "node label 51 is not below 50", "a label outside 0..M-1 is refused");
    refused("3,04|0,3/0,4=0,3,4", "leading zeros", "a label with a leading zero is refused");
    refused("3,4|0,3/0,4=0,3,4,", "column 19", "a line ending in ',' is refused");

    /* --- tokenizer */
    int32_t ids[128];
    int n;
    const char *text = "<|endoftext|>3,4|0,3/0,4=0,3,4";
    fl_status st = fl_sg_tokenize(text, 50, ids, 128, &n, &err);
    int32_t want[] = {54, 3, 50, 4, 51, 0, 50, 3, 52, 0, 50, 4, 53, 0, 50, 3, 50, 4};
    check(st == FL_OK && n == 18 && !memcmp(ids, want, sizeof want),
          "tokenize: labels are their ids, then , | / = <|endoftext|> at M..M+4", "st %d n %d", st, n);
    char back[256];
    check(fl_sg_detokenize(ids, n, 50, back, sizeof back) && !strcmp(back, text), "detokenize restores the text",
          "'%s'", back);
    fl_sg_example h = graph("3,4|0,3/0,4=0,3,4");
    int32_t enc[128];
    int m = fl_sg_encode(&h, 50, 1, enc, 128);
    check(m == 17 && !memcmp(enc, want + 1, sizeof(int32_t) * 17), "encode gives the line's tokens", "m %d", m);
    check(fl_sg_encode(&h, 50, 0, enc, 128) == 12 && enc[11] == 53, "the prompt ends at '='", "%d", enc[11]);
    check(fl_sg_encode(&h, 50, 1, enc, 16) == -1, "encode refuses a small buffer", "no -1");
    st = fl_sg_tokenize("3,4 0", 50, ids, 128, &n, &err);
    check(st == FL_ERR_FORMAT && strstr(err.msg, "column 4"), "tokenize refuses a space, naming its column", "%s",
          err.msg);
    st = fl_sg_tokenize("3,50", 50, ids, 128, &n, &err);
    check(st == FL_ERR_FORMAT && strstr(err.msg, "50 is not below 50"), "tokenize refuses a label >= M", "%s", err.msg);
    check(fl_sg_tokenize("3,4,5,6", 50, ids, 3, &n, &err) != FL_OK, "tokenize refuses text longer than the buffer",
          "accepted");
    int32_t t1[] = {0, 50, 3, 50, 4, 54, 7, 7}; /* stops at <|endoftext|> */
    check(fl_sg_check_tokens(&g, 50, t1, 8, why, sizeof why) == FL_SG_PASS, "token check stops at <|endoftext|>", "%s",
          why);
    int32_t t2[] = {0, 50, 3, 51, 4};
    check(fl_sg_check_tokens(&g, 50, t2, 5, why, sizeof why) == FL_SG_ERR_PARSE && strstr(why, "token 4 ('|')"),
          "a separator other than ',' in a path is a parse verdict", "%s", why);
    int32_t t3[] = {0, 3, 4};
    check(fl_sg_check_tokens(&g, 50, t3, 3, why, sizeof why) == FL_SG_ERR_PARSE, "nodes without ',' are a parse verdict",
          "%s", why);

    /* --- the three scores on hand-made predictions. Graph g (L=3): rest is the one token n3 = 4. */
    fl_sg_example set[5] = {g, g, g, g, graph("0,1|1,2|2,3|3,4|0,5|5,6|6,7|7,8/0,8=0,5,6,7,8")};
    int32_t p_ok[] = {0, 50, 3, 50, 4}, p_arm[] = {0, 50, 1, 50, 2}, p_short[] = {0, 50, 3}, r4[] = {4}, r2[] = {2};
    int32_t long_ok[] = {0, 50, 5, 50, 6, 50, 7, 50, 8}, long_rest[] = {6, 50, 7, 50, 8, 54};
    fl_sg_prediction pred[5] = {
        {p_ok, 5, 3, r4, 1},         /* all right */
        {p_arm, 5, 1, r4, 1},        /* wrong arm, yet follows edges once given the first step */
        {p_short, 3, 3, r2, 1},      /* right arm, stops; the rest is wrong */
        {p_arm, 5, 1, r4, 1},        /* wrong arm again */
        {long_ok, 9, 5, long_rest, 6}, /* L = 5: the rest is n3,n4,n5 with its commas */
    };
    fl_sg_scores s;
    st = fl_sg_score_set(set, pred, 5, 50, 500, 1, &s, &err);
    check(st == FL_OK && s.exact.correct == 2 && s.first.correct == 3 && s.rest.correct == 4 && s.exact.n == 5,
          "exact 2/5, first step 3/5, rest given the first 4/5 on hand-made predictions", "%ld %ld %ld (%s)",
          s.exact.correct, s.first.correct, s.rest.correct, err.msg);
    check(s.exact.acc == 0.4 && s.first.acc == 0.6 && s.rest.acc == 0.8, "accuracies are the shares", "%g %g %g",
          s.exact.acc, s.first.acc, s.rest.acc);
    check(s.exact.lo <= 0.4 && s.exact.hi >= 0.4 && s.exact.lo < s.exact.hi && s.rest.hi <= 1.0,
          "bootstrap intervals hold the accuracy", "[%g, %g]", s.exact.lo, s.exact.hi);
    check(s.verdicts[FL_SG_PASS] == 2 && s.verdicts[FL_SG_ERR_WRONG_GOAL] == 2 && s.verdicts[FL_SG_ERR_WRONG_LENGTH] == 1,
          "verdict counts of the free predictions", "pass %ld goal %ld length %ld", s.verdicts[0],
          s.verdicts[FL_SG_ERR_WRONG_GOAL], s.verdicts[FL_SG_ERR_WRONG_LENGTH]);
    check(s.first_fail == 1, "the first failing prediction is named", "%ld", s.first_fail);
    int32_t bad_rest[] = {6, 7, 50, 8};
    pred[4].rest = bad_rest, pred[4].n_rest = 4;
    fl_sg_score_set(set, pred, 5, 50, 500, 1, &s, &err);
    check(s.rest.correct == 3, "a rest without its commas is wrong", "%ld", s.rest.correct);
    pred[4].rest = long_rest, pred[4].n_rest = 3;
    fl_sg_score_set(set, pred, 5, 50, 500, 1, &s, &err);
    check(s.rest.correct == 3, "a rest cut short is wrong", "%ld", s.rest.correct);
    fl_sg_prediction all_ok[2] = {{p_ok, 5, 3, r4, 1}, {p_ok, 5, 3, r4, 1}};
    fl_sg_score_set(set, all_ok, 2, 50, 200, 1, &s, &err);
    check(s.exact.acc == 1 && s.exact.lo == 1 && s.exact.hi == 1, "all right: accuracy 1, interval [1, 1]",
          "%g [%g, %g]", s.exact.acc, s.exact.lo, s.exact.hi);
    check(fl_sg_score_set(set, pred, 0, 50, 200, 1, &s, &err) == FL_ERR_ARG, "no predictions is refused", "%s", err.msg);
    return check_exit();
}
