/* Bad model configurations are refused with a message that names the key. */
#include <string.h>

#include "check.h"
#include "futurelm.h"

static void refuse(const char *key, const char *value, const char *expect_in_msg) {
    fl_model_config c;
    fl_model_config_default(&c, FL_MODEL_FTP);
    fl_error err = {0};
    fl_status st = fl_model_config_set(&c, key, value, &err);
    if (st == FL_OK) st = fl_model_config_validate(&c, &err);
    fl_model *m = NULL;
    if (st == FL_OK) st = fl_model_create(&c, &m, &err);
    fl_model_free(m);
    char name[128];
    snprintf(name, sizeof name, "config %s=%s is refused naming %s", key, value, expect_in_msg);
    check(st == FL_ERR_CONFIG && strstr(err.msg, expect_in_msg), name, "status %d, message '%s'", st, err.msg);
}

int main(void) {
    refuse("ftp.n_future", "0", "ftp.n_future");
    refuse("ftp.pseudo_len", "0", "ftp.pseudo_len");
    refuse("model.n_head", "5", "model.n_head"); /* 384 % 5 != 0 */
    refuse("ftp.dec_heads", "7", "ftp.dec_heads");
    refuse("ftp.gamma", "0", "ftp.gamma");
    refuse("ftp.gamma", "-0.5", "ftp.gamma");
    refuse("ftp.gamma", "1.5", "ftp.gamma");
    refuse("ftp.gamma", "nan", "ftp.gamma");
    refuse("ftp.positions", "257", "ftp.positions"); /* block_size 256 */
    refuse("model.n_layer", "abc", "model.n_layer");
    refuse("model.vocab_size", "1", "model.vocab_size");
    refuse("model.bogus", "1", "model.bogus");
    refuse("ftp.tie_dec_embd", "2", "ftp.tie_dec_embd");
    refuse("ftp.tie_dec_embd", "-1", "ftp.tie_dec_embd");
    refuse("ftp.tie_dec_embd", "yes", "ftp.tie_dec_embd");
    refuse("ftp.tie_dec_embed", "0", "did you mean 'ftp.tie_dec_embd'");
    fl_model_config c;
    fl_model_config_default(&c, FL_MODEL_FTP);
    fl_error err;
    check(fl_model_config_set(&c, "ftp.gamma", "1", &err) == FL_OK && fl_model_config_validate(&c, &err) == FL_OK,
          "config ftp.gamma=1 (no discount) is accepted", "%s", err.msg);
    fl_model_config_default(&c, FL_MODEL_FTP);
    check(c.tie_dec_embd == 1 && fl_model_config_set(&c, "ftp.tie_dec_embd", "0", &err) == FL_OK &&
              c.tie_dec_embd == 0 && fl_model_config_validate(&c, &err) == FL_OK,
          "ftp.tie_dec_embd defaults to 1 (tied) and 0 (untied) is accepted", "%s", err.msg);
    check(fl_padded_vocab(97) == 128 && fl_padded_vocab(50257) == 50304 && fl_padded_vocab(64) == 64,
          "vocabulary padded to a multiple of 64", "%d", fl_padded_vocab(97));
    /* Training FLOPs counted by hand for C=4, V=8, one block, B=1, T=2. GPT forward: the
     * block's products 2*2*12*16 = 768, attention 4*4*(1+2) = 48, head 2*2*4*8 = 128, so 944,
     * tripled 2832. FTP (N=2, P=1, one decoder layer, all T=2 positions, R=2, RN=4) adds
     * projection 2*2*4*4 = 64, decoder products 2*4*13*16 = 1664, cross K/V 2*2*1*2*16 = 128,
     * self-attention 4*4*2*3 = 96, cross-attention 4*4*2*2 = 64, its head 2*4*4*8 = 256 to the
     * encoder's 816: 3088, tripled 9264. */
    fl_model_config_default(&c, FL_MODEL_GPT);
    c.n_embd = 4, c.vocab_size = 8, c.n_layer = 1;
    check(fl_model_train_flops(&c, 1, 2) == 2832.0, "GPT training FLOPs equal the hand count", "%g",
          fl_model_train_flops(&c, 1, 2));
    fl_model_config_default(&c, FL_MODEL_FTP);
    c.n_embd = 4, c.vocab_size = 8, c.n_layer = 1, c.n_future = 2, c.pseudo_len = 1, c.dec_layers = 1,
    c.positions = 0;
    check(fl_model_train_flops(&c, 1, 2) == 9264.0, "FTP training FLOPs equal the hand count", "%g",
          fl_model_train_flops(&c, 1, 2));
    return check_exit();
}
