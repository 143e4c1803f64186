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
    return check_exit();
}
