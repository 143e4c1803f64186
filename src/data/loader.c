#include "data/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/shard.h"
#include "util/error.h"
#include "util/rng.h"

struct fl_loader {
    fl_loader_config cfg;
    fl_shard *shards;
    uint64_t *start; /* [nshards + 1] first global token of each shard */
    int nshards;
    uint64_t n_tokens, n_windows;
    uint32_t *perm; /* order of this epoch (shuffle on) */
    uint64_t perm_epoch;
    int perm_valid;
    fl_loader_state st;
};

static void make_perm(fl_loader *l, uint64_t epoch) {
    if (!l->cfg.shuffle || (l->perm_valid && l->perm_epoch == epoch)) return;
    fl_rng r;
    fl_rng_seed(&r, l->cfg.seed ^ fl_mix64(epoch + 0x9e3779b97f4a7c15ull));
    for (uint64_t i = 0; i < l->n_windows; i++) l->perm[i] = (uint32_t)i;
    for (uint64_t i = l->n_windows; i > 1; i--) {
        uint64_t j = fl_rng_below(&r, i);
        uint32_t t = l->perm[i - 1];
        l->perm[i - 1] = l->perm[j];
        l->perm[j] = t;
    }
    l->perm_epoch = epoch;
    l->perm_valid = 1;
}

void fl_loader_free(fl_loader *l) {
    if (!l) return;
    for (int i = 0; i < l->nshards; i++) fl_shard_close(&l->shards[i]);
    free(l->shards);
    free(l->start);
    free(l->perm);
    free(l);
}

fl_status fl_loader_open(const char *dir, const char *split, const fl_loader_config *cfg, fl_loader **out,
                         fl_error *err) {
    *out = NULL;
    if (cfg->B <= 0 || cfg->T <= 0 || cfg->extra < 0 || cfg->world <= 0 || cfg->rank < 0 || cfg->rank >= cfg->world)
        return fl_fail(err, FL_ERR_ARG, "data loader: bad B=%d T=%d extra=%d rank=%d world=%d", cfg->B, cfg->T,
                       cfg->extra, cfg->rank, cfg->world);
    char **names = NULL;
    int n = 0;
    fl_status st = fl_shard_list(dir, split, &names, &n, err);
    if (st) return st;
    fl_loader *l = NULL;
    if (!st && n == 0)
        st = fl_fail(err, FL_ERR_IO, "no '%s_*.bin' shards in '%s'; run futurelm prepare --out %s", split, dir, dir);
    if (!st) {
        l = calloc(1, sizeof *l);
        if (l) {
            l->shards = calloc((size_t)n, sizeof *l->shards);
            l->start = calloc((size_t)n + 1, sizeof *l->start);
        }
        if (!l || !l->shards || !l->start) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < n && !st; i++) {
        st = fl_shard_open(names[i], cfg->vocab_size, &l->shards[i], err);
        if (!st) {
            l->nshards++;
            l->start[i + 1] = l->start[i] + l->shards[i].n;
        }
    }
    fl_shard_list_free(names, n);
    if (st) {
        fl_loader_free(l);
        return st;
    }
    l->cfg = *cfg;
    l->n_tokens = l->start[l->nshards];
    uint64_t need = (uint64_t)cfg->B * cfg->world * cfg->T + cfg->extra;
    if (l->n_tokens < need) {
        st = fl_fail(err, FL_ERR_ARG,
                     "split '%s' of '%s' has %llu tokens, fewer than one batch needs (B*world*T+extra = %llu); "
                     "use smaller B or T, or more data",
                     split, dir, (unsigned long long)l->n_tokens, (unsigned long long)need);
        fl_loader_free(l);
        return st;
    }
    l->n_windows = (l->n_tokens - (uint64_t)cfg->extra) / (uint64_t)cfg->T;
    if (l->n_windows > UINT32_MAX) {
        fl_loader_free(l);
        return fl_fail(err, FL_ERR_ARG, "split '%s' has more than 2^32 windows; use a larger T", split);
    }
    if (cfg->shuffle && !(l->perm = malloc(l->n_windows * sizeof *l->perm))) {
        fl_loader_free(l);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory for the window order");
    }
    l->st.seed = cfg->seed;
    l->st.n_windows = l->n_windows;
    *out = l;
    return FL_OK;
}

static void copy_window(const fl_loader *l, uint64_t first, int32_t *dst, int len) {
    int s = 0;
    while (s + 1 < l->nshards && l->start[s + 1] <= first) s++;
    for (int i = 0; i < len; i++) {
        uint64_t g = first + (uint64_t)i;
        while (g >= l->start[s + 1]) s++;
        dst[i] = fl_shard_get(&l->shards[s], g - l->start[s]);
    }
}

void fl_loader_next(fl_loader *l, int32_t *tokens) {
    uint64_t global = (uint64_t)l->cfg.B * (uint64_t)l->cfg.world;
    if (l->st.cursor + global > l->n_windows) {
        l->st.epoch++;
        l->st.cursor = 0;
    }
    make_perm(l, l->st.epoch);
    int len = l->cfg.T + l->cfg.extra;
    for (int b = 0; b < l->cfg.B && tokens; b++) {
        uint64_t k = l->st.cursor + (uint64_t)l->cfg.rank * l->cfg.B + (uint64_t)b;
        uint64_t w = l->cfg.shuffle ? l->perm[k] : k;
        copy_window(l, w * (uint64_t)l->cfg.T, tokens + (size_t)b * len, len);
    }
    l->st.cursor += global;
}

void fl_loader_get_state(const fl_loader *l, fl_loader_state *s) { *s = l->st; }

fl_status fl_loader_set_state(fl_loader *l, const fl_loader_state *s, fl_error *err) {
    if (s->n_windows != l->n_windows)
        return fl_fail(err, FL_ERR_STATE,
                       "the saved data-loader position is for %llu windows but the data now has %llu (different "
                       "data, T or extra?)",
                       (unsigned long long)s->n_windows, (unsigned long long)l->n_windows);
    if (s->cursor > l->n_windows)
        return fl_fail(err, FL_ERR_STATE, "the saved data-loader position %llu is past the %llu windows",
                       (unsigned long long)s->cursor, (unsigned long long)l->n_windows);
    if (s->seed != l->cfg.seed) {
        l->cfg.seed = s->seed;
        l->perm_valid = 0;
    }
    l->st = *s;
    return FL_OK;
}

uint64_t fl_loader_num_tokens(const fl_loader *l) { return l->n_tokens; }
uint64_t fl_loader_num_windows(const fl_loader *l) { return l->n_windows; }
uint64_t fl_loader_batches_per_epoch(const fl_loader *l) {
    return l->n_windows / ((uint64_t)l->cfg.B * (uint64_t)l->cfg.world);
}
int fl_loader_num_shards(const fl_loader *l) { return l->nshards; }
