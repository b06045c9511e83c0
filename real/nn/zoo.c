/*
 * real/nn/zoo.c — the seeds' models (real/nn/zoo.h), built layer by layer
 * with nn_model_add. Each builder says where its architecture comes from
 * and where the engine made it differ (an operation the engine lacks); the
 * parameter counts below are those of tests/test_zoo.c.
 *
 * Substitutions, all of them (none changes a parameter count except
 * where said):
 *   - no slicing or asymmetric padding: a "same" convolution or pooling
 *     with an even kernel, which TensorFlow/Darknet pad one more at the
 *     end, pads symmetrically and gets one row fewer or more (FireNet's
 *     second conv: 27 x 27 instead of 28 x 28; YOLOv3-tiny's stride-1
 *     max pool uses kernel 3, pad 1; wav2vec2's positional conv keeps its
 *     T + 1 outputs and a 2-wide stride-1 max pool brings them to T, where
 *     the original drops the last);
 *   - no embedding lookup: token and position embeddings are linear
 *     layers without bias on one-hot inputs (the same weights and output;
 *     the FLOPs count the dense product, 2 x vocab x 768 per token);
 *   - no group norm: wav2vec2's GroupNorm(512, 512) after its first conv
 *     (per channel over time) is a batch norm, the same 1024 parameters;
 *   - no weight norm: wav2vec2's positional conv and the TCN's convs are
 *     plain convs (weight norm's g vectors, 128 floats in wav2vec2, are
 *     not counted);
 *   - no local response normalisation (FireNet; it has no parameters);
 *   - TCN: symmetric ("same") padding instead of causal padding + chomp,
 *     the same length and work.
 */
#include <stdio.h>
#include <string.h>
#include "real/nn/zoo.h"

/* ------------------------------------------------------------ builder */

/* A model under construction: the first error sticks, later adds are
 * no-ops returning -1, so a builder checks once at the end. */
typedef struct zb {
	nn_model *m;
	io_err *err;
	int rc;
} zb;

static int add(zb *b, nn_spec *s, const char *name, int x)
{
	if (b->rc)
		return -1;
	s->name = name;
	if (x >= 0 && s->n_in == 0) {
		s->n_in = 1;
		s->in[0] = x;
	}
	int i = nn_model_add(b->m, s, b->err);
	if (i < 0)
		b->rc = i;
	return i;
}

static nn_ivec iv(int64_t v)
{
	nn_ivec r = {1, {v, 0, 0}};
	return r;
}

static nn_ivec iv3(int64_t d, int64_t h, int64_t w)
{
	nn_ivec r = {3, {d, h, w}};
	return r;
}

static int input(zb *b, const char *name, int ndim, int64_t d0, int64_t d1,
		 int64_t d2, int64_t d3)
{
	nn_spec s = {.kind = NN_INPUT, .ndim = ndim, .shape = {d0, d1, d2, d3}};
	return add(b, &s, name, -1);
}

enum { BIAS = 1, RELU = 2 };

/* A convolution with the same kernel, stride and pad in every dim. */
static int conv(zb *b, const char *name, int x, int64_t out, int64_t k,
		int64_t stride, int64_t pad, int flags)
{
	nn_spec s = {.kind = NN_CONV, .out = out, .kernel = iv(k),
		     .stride = iv(stride), .pad = iv(pad),
		     .no_bias = !(flags & BIAS), .relu = !!(flags & RELU)};
	return add(b, &s, name, x);
}

static int layer(zb *b, nn_kind kind, const char *name, int x)
{
	nn_spec s = {.kind = kind};
	return add(b, &s, name, x);
}

static int leaky(zb *b, const char *name, int x, double alpha)
{
	nn_spec s = {.kind = NN_LEAKY_RELU, .alpha = alpha};
	return add(b, &s, name, x);
}

static int pool(zb *b, nn_kind kind, const char *name, int x, int64_t k,
		int64_t stride, int64_t pad)
{
	nn_spec s = {.kind = kind, .kernel = iv(k), .stride = iv(stride),
		     .pad = iv(pad)};
	return add(b, &s, name, x);
}

static int linear(zb *b, const char *name, int x, int64_t out, int bias)
{
	nn_spec s = {.kind = NN_LINEAR, .out = out, .no_bias = !bias};
	return add(b, &s, name, x);
}

static int join(zb *b, nn_kind kind, const char *name, int x, int y)
{
	nn_spec s = {.kind = kind, .n_in = 2, .in = {x, y}};
	return add(b, &s, name, -1);
}

/* name = prefix + "." + part, in buf (every name here is short; a longer
 * one would be cut, and a duplicate name is an error of nn_model_add) */
static const char *nm(char *buf, const char *prefix, const char *part)
{
	if (snprintf(buf, NN_NAME_MAX, "%s.%s", prefix, part) >= NN_NAME_MAX)
		buf[NN_NAME_MAX - 1] = 0;
	return buf;
}

/* ------------------------------------------------------------ models */

/* torchvision's resnet50 (He et al., "Deep residual learning for image
 * recognition", CVPR 2016, Table 1; torchvision's v1.5 puts the stride on
 * the 3x3 conv): 25,557,032 parameters, 224 x 224 x 3 -> 1000. The
 * global average pool accepts any side that is a multiple of 32. */
static int bottleneck(zb *b, const char *p, int x, int64_t width,
		      int64_t stride, int down)
{
	char n[NN_NAME_MAX];
	int y = conv(b, nm(n, p, "conv1"), x, width, 1, 1, 0, 0);
	y = layer(b, NN_BATCHNORM, nm(n, p, "bn1"), y);
	y = layer(b, NN_RELU, nm(n, p, "relu1"), y);
	y = conv(b, nm(n, p, "conv2"), y, width, 3, stride, 1, 0);
	y = layer(b, NN_BATCHNORM, nm(n, p, "bn2"), y);
	y = layer(b, NN_RELU, nm(n, p, "relu2"), y);
	y = conv(b, nm(n, p, "conv3"), y, 4 * width, 1, 1, 0, 0);
	y = layer(b, NN_BATCHNORM, nm(n, p, "bn3"), y);
	if (down) {
		x = conv(b, nm(n, p, "downsample.0"), x, 4 * width, 1, stride, 0, 0);
		x = layer(b, NN_BATCHNORM, nm(n, p, "downsample.1"), x);
	}
	y = join(b, NN_ADD, nm(n, p, "add"), y, x);
	return layer(b, NN_RELU, nm(n, p, "relu3"), y);
}

static void build_resnet50(zb *b, int64_t side)
{
	static const int blocks[4] = {3, 4, 6, 3};
	int x = input(b, "x", 3, 3, side, side, 0);
	x = conv(b, "conv1", x, 64, 7, 2, 3, 0);
	x = layer(b, NN_BATCHNORM, "bn1", x);
	x = layer(b, NN_RELU, "relu", x);
	x = pool(b, NN_MAXPOOL, "maxpool", x, 3, 2, 1);
	for (int s = 0; s < 4; s++)
		for (int i = 0; i < blocks[s]; i++) {
			char p[NN_NAME_MAX];
			snprintf(p, sizeof p, "layer%d.%d", s + 1, i);
			x = bottleneck(b, p, x, 64 << s, i == 0 && s > 0 ? 2 : 1, i == 0);
		}
	x = layer(b, NN_GLOBAL_AVGPOOL, "avgpool", x);
	linear(b, "fc", x, 1000, 1);
}

/* YOLOv3-tiny (Redmon & Farhadi, "YOLOv3: an incremental improvement",
 * 2018; darknet's cfg/yolov3-tiny.cfg), 80 classes: 13 convolutions (batch
 * norm + leaky ReLU 0.1, except the two 1x1 detection convs with bias),
 * two heads of 3 x (5 + 80) = 255 channels at strides 32 and 16:
 * 8,852,366 parameters. Seed 000 §3.2 runs YOLOv5; its SiLU and slicing
 * stem are not in the engine, so the zoo's detector is the tiny v3 of the
 * same family and size class. The output is both heads flattened and
 * concatenated: 255 x (13^2 + 26^2) = 215,475 values at 416 x 416. */
static int dark(zb *b, const char *name, int x, int64_t out, int64_t k)
{
	char n[NN_NAME_MAX];
	x = conv(b, name, x, out, k, 1, k / 2, 0);
	x = layer(b, NN_BATCHNORM, nm(n, name, "bn"), x);
	return leaky(b, nm(n, name, "leaky"), x, 0.1);
}

static void build_yolov3_tiny(zb *b, int64_t side)
{
	int x = input(b, "x", 3, 3, side, side, 0);
	char n[NN_NAME_MAX];
	int route8 = -1;
	for (int i = 0; i < 6; i++) {
		snprintf(n, sizeof n, "conv%d", i);
		x = dark(b, n, x, 16 << i, 3);
		if (i == 4)
			route8 = x;
		snprintf(n, sizeof n, "pool%d", i);
		/* darknet's size-2 stride-1 pool pads one at the end; kernel 3
		 * pad 1 keeps the 13 x 13 grid the same way */
		x = i < 5 ? pool(b, NN_MAXPOOL, n, x, 2, 2, 0)
			  : pool(b, NN_MAXPOOL, n, x, 3, 1, 1);
	}
	x = dark(b, "conv6", x, 1024, 3);
	int route13 = dark(b, "conv7", x, 256, 1);
	x = dark(b, "conv8", route13, 512, 3);
	int head1 = conv(b, "head1", x, 255, 1, 1, 0, BIAS);
	x = dark(b, "conv9", route13, 128, 1);
	nn_spec up = {.kind = NN_UPSAMPLE, .scale = iv(2)};
	x = add(b, &up, "upsample", x);
	x = join(b, NN_CONCAT, "route", x, route8);
	x = dark(b, "conv10", x, 256, 3);
	int head2 = conv(b, "head2", x, 255, 1, 1, 0, BIAS);
	head1 = layer(b, NN_FLATTEN, "head1.flat", head1);
	head2 = layer(b, NN_FLATTEN, "head2.flat", head2);
	join(b, NN_CONCAT, "detections", head1, head2);
}

/* A post-norm transformer encoder layer (BERT's and wav2vec2-base's):
 * x + attention -> layer norm -> x + FFN(linear ffn, GELU, linear) ->
 * layer norm. */
static int encoder_layer(zb *b, const char *p, int x, int64_t hidden,
			 int64_t heads, int64_t ffn)
{
	char n[NN_NAME_MAX];
	nn_spec at = {.kind = NN_ATTENTION, .heads = heads};
	int y = add(b, &at, nm(n, p, "attention"), x);
	x = join(b, NN_ADD, nm(n, p, "attn_add"), x, y);
	x = layer(b, NN_LAYERNORM, nm(n, p, "sa_layer_norm"), x);
	y = linear(b, nm(n, p, "ffn.lin1"), x, ffn, 1);
	y = layer(b, NN_GELU, nm(n, p, "ffn.gelu"), y);
	y = linear(b, nm(n, p, "ffn.lin2"), y, hidden, 1);
	x = join(b, NN_ADD, nm(n, p, "ffn_add"), x, y);
	return layer(b, NN_LAYERNORM, nm(n, p, "output_layer_norm"), x);
}

/* DistilBERT base uncased for question answering (Sanh et al., "DistilBERT,
 * a distilled version of BERT", 2019; Hugging Face's
 * DistilBertForQuestionAnswering, seed 000 §3.2 [16]): vocabulary 30,522,
 * 512 positions, hidden 768, 6 layers of 12 heads, FFN 3072, a 768 -> 2
 * span head. Inputs: the tokens one-hot (T x 30522) and the positions
 * one-hot (T x 512); the embeddings are linear layers without bias on
 * them. Parameters: 66,362,880 (DistilBertModel: embeddings 23,440,896 +
 * 393,216 + layer norm 1,536, 6 layers x 7,087,872) + 1,538 (the head) =
 * 66,364,418. */
static void build_distilbert(zb *b, int64_t seq)
{
	int tok = input(b, "tokens", 2, seq, 30522, 0, 0);
	int pos = input(b, "positions", 2, seq, 512, 0, 0);
	tok = linear(b, "word_embeddings", tok, 768, 0);
	pos = linear(b, "position_embeddings", pos, 768, 0);
	int x = join(b, NN_ADD, "embeddings", tok, pos);
	x = layer(b, NN_LAYERNORM, "embeddings.layer_norm", x);
	for (int i = 0; i < 6; i++) {
		char p[NN_NAME_MAX];
		snprintf(p, sizeof p, "layer%d", i);
		x = encoder_layer(b, p, x, 768, 12, 3072);
	}
	linear(b, "qa_outputs", x, 2, 1);
}

/* wav2vec2-base for speech recognition (Baevski et al., "wav2vec 2.0",
 * NeurIPS 2020; Hugging Face's Wav2Vec2ForCTC as facebook/wav2vec2-base-
 * 960h configures it, seed 000 §3.2 [17]): a feature encoder of 7 convs of
 * 512 channels without bias (kernels 10,3,3,3,3,2,2, strides 5,2,2,2,2,2,
 * 2; GELU; a norm after the first), a projection (layer norm, 512 -> 768),
 * a positional conv (kernel 128, 16 groups, GELU) added to it, a layer
 * norm, 12 post-norm layers (12 heads, FFN 3072) and a 768 -> 32 CTC head.
 * Input: audio samples at 16 kHz (default 64,000: the 4 s clips of seed
 * 000 §3.2) -> 199 frames x 32. Parameters: Wav2Vec2Model's 94,371,712
 * less the training-only masked_spec_embed (768) and weight norm's g
 * (128), plus the head's 24,608: 94,395,424. */
static void build_wav2vec2(zb *b, int64_t samples)
{
	static const int64_t k[7] = {10, 3, 3, 3, 3, 2, 2};
	static const int64_t st[7] = {5, 2, 2, 2, 2, 2, 2};
	int x = input(b, "audio", 2, 1, samples, 0, 0);
	char n[NN_NAME_MAX];
	for (int i = 0; i < 7; i++) {
		snprintf(n, sizeof n, "conv%d", i);
		x = conv(b, n, x, 512, k[i], st[i], 0, 0);
		if (i == 0)
			x = layer(b, NN_BATCHNORM, "conv0.norm", x);
		snprintf(n, sizeof n, "conv%d.gelu", i);
		x = layer(b, NN_GELU, n, x);
	}
	x = layer(b, NN_TRANSPOSE, "features", x); /* T x 512 */
	x = layer(b, NN_LAYERNORM, "projection.layer_norm", x);
	int proj = linear(b, "projection", x, 768, 1);
	x = layer(b, NN_TRANSPOSE, "pos_conv.in", proj); /* 768 x T */
	nn_spec pc = {.kind = NN_CONV, .out = 768, .kernel = iv(128),
		      .pad = iv(64), .groups = 16};
	x = add(b, &pc, "pos_conv", x); /* 768 x T+1 */
	x = layer(b, NN_GELU, "pos_conv.gelu", x);
	x = pool(b, NN_MAXPOOL, "pos_conv.trim", x, 2, 1, 0);
	x = layer(b, NN_TRANSPOSE, "pos_conv.out", x);
	x = join(b, NN_ADD, "encoder.add_pos", proj, x);
	x = layer(b, NN_LAYERNORM, "encoder.layer_norm", x);
	for (int i = 0; i < 12; i++) {
		char p[NN_NAME_MAX];
		snprintf(p, sizeof p, "layer%d", i);
		x = encoder_layer(b, p, x, 768, 12, 3072);
	}
	linear(b, "lm_head", x, 32, 1);
}

/* FireNet (Dunnings & Breckon, "Experimentally defined convolutional
 * neural network architecture variants for non-temporal real-time fire
 * detection", ICIP 2018; their firenet.py): the reduced AlexNet of seed
 * 000 §2 (conv + max pool + normalisation, three times, then two dense
 * layers): 224 x 224 x 3; conv 64 5x5/4, conv 128 4x4, conv 256 1x1, each
 * ReLU and a 3x3/2 max pool; dense 4096 tanh twice; 2 classes, softmax.
 * Parameters: 68,342,914 (the flattened 7 x 7 x 256 into 4096 dominates).
 * Dropout 0.5 after each dense layer (training only). */
static void build_firenet(zb *b, int64_t unused)
{
	(void)unused;
	int x = input(b, "x", 3, 3, 224, 224, 0);
	x = conv(b, "conv1", x, 64, 5, 4, 1, BIAS | RELU);
	x = pool(b, NN_MAXPOOL, "pool1", x, 3, 2, 1);
	x = conv(b, "conv2", x, 128, 4, 1, 1, BIAS | RELU);
	x = pool(b, NN_MAXPOOL, "pool2", x, 3, 2, 1);
	x = conv(b, "conv3", x, 256, 1, 1, 0, BIAS | RELU);
	x = pool(b, NN_MAXPOOL, "pool3", x, 3, 2, 1);
	x = layer(b, NN_FLATTEN, "flatten", x);
	x = linear(b, "fc1", x, 4096, 1);
	x = layer(b, NN_TANH, "fc1.tanh", x);
	x = layer(b, NN_DROPOUT, "fc1.drop", x);
	x = linear(b, "fc2", x, 4096, 1);
	x = layer(b, NN_TANH, "fc2.tanh", x);
	x = layer(b, NN_DROPOUT, "fc2.drop", x);
	x = linear(b, "fc3", x, 2, 1);
	layer(b, NN_SOFTMAX, "prob", x);
}

/* The HAR network of seed 000 §2 ("a sequential neural network model with
 * four layers" on the UCI Human Activity Recognition Using Smartphones
 * data): the seed gives no widths, so four dense layers on the data set's
 * 561 features, 561 -> 256 -> 128 -> 64 -> 6 activities (ReLU between,
 * softmax): 185,414 parameters. The widths are the zoo's choice. */
static void build_har(zb *b, int64_t unused)
{
	(void)unused;
	int x = input(b, "features", 1, 561, 0, 0, 0);
	x = linear(b, "dense1", x, 256, 1);
	x = layer(b, NN_RELU, "dense1.relu", x);
	x = linear(b, "dense2", x, 128, 1);
	x = layer(b, NN_RELU, "dense2.relu", x);
	x = linear(b, "dense3", x, 64, 1);
	x = layer(b, NN_RELU, "dense3.relu", x);
	x = linear(b, "dense4", x, 6, 1);
	layer(b, NN_SOFTMAX, "prob", x);
}

/* The acoustic-impedance TCN (Mustafa, Alfarraj & AlRegib, "Estimation of
 * acoustic impedance from seismic data using temporal convolutional
 * network", 2019, seed 000 §2 [11]; its published code): a temporal
 * convolutional network (Bai et al. 2018) of 8 residual blocks with
 * channels 3,5,5,5,6,6,6,6, kernel 5, dilation 2^i, each two convs with
 * ReLU (dropout 0.2 in training) and a 1x1 conv on the skip where the
 * channels change; then a 1x1 regression conv to one channel. Input: one
 * seismic trace (default 701 samples) -> impedance per sample. Parameters
 * (without weight norm's g): 2,323. */
static void build_tcn(zb *b, int64_t len)
{
	static const int64_t ch[8] = {3, 5, 5, 5, 6, 6, 6, 6};
	int x = input(b, "trace", 2, 1, len, 0, 0);
	int64_t in = 1;
	for (int i = 0; i < 8; i++) {
		char p[NN_NAME_MAX], n[NN_NAME_MAX];
		snprintf(p, sizeof p, "block%d", i);
		int64_t dil = (int64_t)1 << i;
		nn_spec c1 = {.kind = NN_CONV, .out = ch[i], .kernel = iv(5),
			      .dilation = iv(dil), .pad = iv(2 * dil), .relu = 1};
		int y = add(b, &c1, nm(n, p, "conv1"), x);
		y = layer(b, NN_DROPOUT, nm(n, p, "drop1"), y);
		nn_spec c2 = {.kind = NN_CONV, .out = ch[i], .kernel = iv(5),
			      .dilation = iv(dil), .pad = iv(2 * dil), .relu = 1};
		y = add(b, &c2, nm(n, p, "conv2"), y);
		y = layer(b, NN_DROPOUT, nm(n, p, "drop2"), y);
		int skip = x;
		if (in != ch[i])
			skip = conv(b, nm(n, p, "downsample"), x, ch[i], 1, 1, 0, BIAS);
		y = join(b, NN_ADD, nm(n, p, "add"), y, skip);
		x = layer(b, NN_RELU, nm(n, p, "relu"), y);
		in = ch[i];
	}
	conv(b, "regression", x, 1, 1, 1, 0, BIAS);
}

/* FCN-8s (Long, Shelhamer & Darrell, "Fully convolutional networks for
 * semantic segmentation", CVPR 2015, seed 000 §2 [7]; their voc-fcn8s):
 * VGG-16's 13 convs (ReLU, five 2x2 max pools), fc6 as a 7x7 conv of 4096,
 * fc7 1x1 4096, score layers for 5 classes (the oil-spill SAR data set of
 * seed 000 §2 [9]: sea, oil spill, look-alike, ship, land) on fc7, pool4
 * and pool3, learned 2x, 2x and 8x transposed convs (kernels 4, 4, 16,
 * no bias) fusing them. Parameters: 134,292,079 (VGG-16 convs 14,714,688,
 * fc6 102,764,544, fc7 16,781,312, scores 20,485 + 2,565 + 1,285,
 * upsampling 400 + 400 + 6,400). The original pads conv1_1 by 100 and
 * crops; here every conv pads by 1 (fc6 by 3) and the side (default 512)
 * is a multiple of 32, so no crop is needed. */
static int up(zb *b, const char *name, int x, int64_t k, int64_t stride,
	      int64_t pad)
{
	nn_spec s = {.kind = NN_DECONV, .out = 5, .kernel = iv(k),
		     .stride = iv(stride), .pad = iv(pad), .no_bias = 1};
	return add(b, &s, name, x);
}

static void build_fcn8(zb *b, int64_t side)
{
	static const int convs[5] = {2, 2, 3, 3, 3};
	int x = input(b, "x", 3, 3, side, side, 0);
	int pool3 = -1, pool4 = -1;
	for (int s = 0; s < 5; s++) {
		char n[NN_NAME_MAX];
		for (int i = 0; i < convs[s]; i++) {
			snprintf(n, sizeof n, "conv%d_%d", s + 1, i + 1);
			x = conv(b, n, x, s < 4 ? 64 << s : 512, 3, 1, 1, BIAS | RELU);
		}
		snprintf(n, sizeof n, "pool%d", s + 1);
		x = pool(b, NN_MAXPOOL, n, x, 2, 2, 0);
		if (s == 2)
			pool3 = x;
		if (s == 3)
			pool4 = x;
	}
	x = conv(b, "fc6", x, 4096, 7, 1, 3, BIAS | RELU);
	x = layer(b, NN_DROPOUT, "drop6", x);
	x = conv(b, "fc7", x, 4096, 1, 1, 0, BIAS | RELU);
	x = layer(b, NN_DROPOUT, "drop7", x);
	x = conv(b, "score_fr", x, 5, 1, 1, 0, BIAS);
	x = up(b, "upscore2", x, 4, 2, 1);
	int s4 = conv(b, "score_pool4", pool4, 5, 1, 1, 0, BIAS);
	x = join(b, NN_ADD, "fuse_pool4", x, s4);
	x = up(b, "upscore_pool4", x, 4, 2, 1);
	int s3 = conv(b, "score_pool3", pool3, 5, 1, 1, 0, BIAS);
	x = join(b, NN_ADD, "fuse_pool3", x, s3);
	up(b, "upscore8", x, 16, 8, 4);
}

/* The multimodal land-cover CNN of seeds 002/003 (Kosmidis et al.,
 * "Distributed training and inference of deep learning models for
 * multi-modal land cover classification", Remote Sensing 2020, §3.1 and
 * its Figure 2): an HSI branch of 3D convs over 48-band 25 x 25 patches,
 * an RGB branch over the VHR-RGB patch of the same pixels, fused (early
 * fusion) before two dense layers and a softmax over 20 classes (8,000
 * patches, 400 per class, §3.1). The text names the layer types (3D conv
 * + ReLU, max pooling, batch norm, dropout, two dense + ReLU) but the
 * filter counts are in Figure 2, which the seed does not carry; the zoo
 * takes: HSI 1 x 48 x 25 x 25 -> conv3d 16 (7x3x3) -> BN -> max pool
 * (2x2x2) -> conv3d 32 (5x3x3) -> BN -> max pool (2x2x2) -> dropout; RGB
 * (§3.1: 3D convs too, over the 3 bands) 1 x 3 x 25 x 25 -> conv3d 16
 * (3x3x3, pad 1) -> BN -> max pool (1x2x2) -> conv3d 32 (3x3x3, pad 1) ->
 * BN -> max pool (1x2x2) -> dropout; concat -> dense 256 -> dense 128 ->
 * dense 20. Parameters: 2,007,636. */
static int conv3(zb *b, const char *name, int x, int64_t out, nn_ivec k,
		 nn_ivec pad)
{
	nn_spec s = {.kind = NN_CONV, .out = out, .kernel = k, .pad = pad,
		     .relu = 1};
	return add(b, &s, name, x);
}

static int pool3(zb *b, const char *name, int x, nn_ivec k)
{
	nn_spec s = {.kind = NN_MAXPOOL, .kernel = k, .stride = k};
	return add(b, &s, name, x);
}

static void build_landcover(zb *b, int64_t unused)
{
	(void)unused;
	int h = input(b, "hsi", 4, 1, 48, 25, 25);
	h = conv3(b, "hsi.conv1", h, 16, iv3(7, 3, 3), iv(0));
	h = layer(b, NN_BATCHNORM, "hsi.bn1", h);
	h = pool3(b, "hsi.pool1", h, iv(2));
	h = conv3(b, "hsi.conv2", h, 32, iv3(5, 3, 3), iv(0));
	h = layer(b, NN_BATCHNORM, "hsi.bn2", h);
	h = pool3(b, "hsi.pool2", h, iv(2));
	h = layer(b, NN_DROPOUT, "hsi.drop", h);
	h = layer(b, NN_FLATTEN, "hsi.flat", h);
	int r = input(b, "rgb", 4, 1, 3, 25, 25);
	r = conv3(b, "rgb.conv1", r, 16, iv(3), iv(1));
	r = layer(b, NN_BATCHNORM, "rgb.bn1", r);
	r = pool3(b, "rgb.pool1", r, iv3(1, 2, 2));
	r = conv3(b, "rgb.conv2", r, 32, iv(3), iv(1));
	r = layer(b, NN_BATCHNORM, "rgb.bn2", r);
	r = pool3(b, "rgb.pool2", r, iv3(1, 2, 2));
	r = layer(b, NN_DROPOUT, "rgb.drop", r);
	r = layer(b, NN_FLATTEN, "rgb.flat", r);
	int x = join(b, NN_CONCAT, "fusion", h, r);
	x = linear(b, "dense1", x, 256, 1);
	x = layer(b, NN_RELU, "dense1.relu", x);
	x = layer(b, NN_DROPOUT, "dense1.drop", x);
	x = linear(b, "dense2", x, 128, 1);
	x = layer(b, NN_RELU, "dense2.relu", x);
	x = linear(b, "dense3", x, 20, 1);
	layer(b, NN_SOFTMAX, "prob", x);
}

/* The Gantt-chart CNN of seed 001 (Krawczuk et al., "Anomaly detection in
 * scientific workflows using end-to-end execution Gantt charts and
 * convolutional neural networks", PEARC 2021, §4.2.1): 5 convs with leaky
 * ReLU and 2D batch norm between them, then 3 linear layers with ReLU and
 * dropout 0.4 (§4.2.1), 4 classes (§4.2.2), on 512 x 512 RGB charts
 * (§4.1). The seed gives no widths or kernels; the zoo takes 3x3 convs of
 * 16, 32, 64, 128, 256 channels, each followed by a 2x2 max pool (16 x 16
 * x 256 at the end) and linear layers 65,536 -> 256 -> 128 -> 4:
 * 17,204,484 parameters. */
static void gantt_head_dropout(zb *b, const char *name, int *x)
{
	nn_spec s = {.kind = NN_DROPOUT, .p = 0.4};
	*x = add(b, &s, name, *x);
}

static void gantt_simple(zb *b, int64_t h, int64_t w, int64_t classes)
{
	int x = input(b, "chart", 3, 3, h, w, 0);
	for (int i = 0; i < 5; i++) {
		char p[NN_NAME_MAX], n[NN_NAME_MAX];
		snprintf(p, sizeof p, "conv%d", i + 1);
		x = conv(b, p, x, 16 << i, 3, 1, 1, BIAS);
		x = leaky(b, nm(n, p, "leaky"), x, 0.01);
		x = layer(b, NN_BATCHNORM, nm(n, p, "bn"), x);
		x = pool(b, NN_MAXPOOL, nm(n, p, "pool"), x, 2, 2, 0);
	}
	x = layer(b, NN_FLATTEN, "flatten", x);
	x = linear(b, "fc1", x, 256, 1);
	x = layer(b, NN_RELU, "fc1.relu", x);
	gantt_head_dropout(b, "fc1.drop", &x);
	x = linear(b, "fc2", x, 128, 1);
	x = layer(b, NN_RELU, "fc2.relu", x);
	gantt_head_dropout(b, "fc2.drop", &x);
	linear(b, "fc3", x, classes, 1);
}

/* The deeper variant, VGG-style (Simonyan & Zisserman 2015, configuration
 * A with batch norm, "VGG-11-BN"): stages of 1, 1, 2, 2, 2 3x3 convs, each
 * conv followed by batch norm and ReLU, a 2x2 max pool after each stage.
 * Seed 001 (§4.2.2) fine-tuned ImageNet-trained AlexNet and VGG-16 with
 * their classifier replaced by two linear layers separated by ReLU, 1D
 * batch norm and dropout; no ImageNet weights exist here, so this one is
 * trained from scratch, and at a quarter of VGG's widths (16, 32, 64, 128,
 * 128 channels: about twice the simple CNN's FLOPs, not VGG-16's 30x). The
 * head: flatten -> 256 -> batch norm -> ReLU -> dropout 0.4 -> classes. */
static void gantt_vgg(zb *b, int64_t h, int64_t w, int64_t classes)
{
	static const int convs[5] = {1, 1, 2, 2, 2};
	static const int64_t width[5] = {16, 32, 64, 128, 128};
	int x = input(b, "chart", 3, 3, h, w, 0);
	for (int st = 0; st < 5; st++) {
		for (int c = 0; c < convs[st]; c++) {
			char p[NN_NAME_MAX], n[NN_NAME_MAX];
			snprintf(p, sizeof p, "conv%d_%d", st + 1, c + 1);
			x = conv(b, p, x, width[st], 3, 1, 1, BIAS);
			x = layer(b, NN_BATCHNORM, nm(n, p, "bn"), x);
			x = layer(b, NN_RELU, nm(n, p, "relu"), x);
		}
		char n[NN_NAME_MAX];
		snprintf(n, sizeof n, "pool%d", st + 1);
		x = pool(b, NN_MAXPOOL, n, x, 2, 2, 0);
	}
	x = layer(b, NN_FLATTEN, "flatten", x);
	x = linear(b, "fc1", x, 256, 1);
	x = layer(b, NN_BATCHNORM, "fc1.bn", x);
	x = layer(b, NN_RELU, "fc1.relu", x);
	gantt_head_dropout(b, "fc1.drop", &x);
	linear(b, "fc2", x, classes, 1);
}

static void build_gantt(zb *b, int64_t unused)
{
	(void)unused;
	gantt_simple(b, 512, 512, 4);
}

int nn_zoo_gantt(nn_model **out, const char *variant, int64_t height,
		 int64_t width, int64_t classes, io_err *err)
{
	*out = NULL;
	int vgg = variant && !strcmp(variant, "vgg");
	if (!variant || (!vgg && strcmp(variant, "simple")))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "Gantt CNN variant \"%s\": expected simple or vgg",
			       variant ? variant : "(none)");
	if (height < 32 || width < 32 || height > 8192 || width > 8192 ||
	    classes < 2 || classes > 4096)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "Gantt CNN of %lld x %lld pixels and %lld "
			       "classes: expected sides of 32 to 8192 (five 2x2 "
			       "pools) and 2 to 4096 classes",
			       (long long)height, (long long)width,
			       (long long)classes);
	zb b = {.err = err};
	int rc = nn_model_new(&b.m, vgg ? "gantt-vgg" : "gantt", err);
	if (rc)
		return rc;
	(vgg ? gantt_vgg : gantt_simple)(&b, height, width, classes);
	if (b.rc) {
		nn_model_free(b.m);
		return b.rc;
	}
	*out = b.m;
	return 0;
}

/* ------------------------------------------------------------ table */

typedef void (*build_fn)(zb *b, int64_t size);

static const nn_zoo_model models[] = {
	{"resnet50", "ResNet-50 image classifier, 3 x S x S -> 1000",
	 "He et al. CVPR 2016; torchvision resnet50", "image side S", 224, 32,
	 1024, 32},
	{"yolov3-tiny", "YOLOv3-tiny detector, 80 classes, 3 x S x S -> 2 heads",
	 "Redmon & Farhadi 2018; darknet yolov3-tiny.cfg", "image side S", 416,
	 64, 1024, 32},
	{"distilbert", "DistilBERT QA encoder, T tokens -> T x 2 span logits",
	 "Sanh et al. 2019; HF DistilBertForQuestionAnswering",
	 "sequence length T", 128, 1, 512, 1},
	{"wav2vec2", "wav2vec2-base + CTC head, 16 kHz audio -> frames x 32",
	 "Baevski et al. NeurIPS 2020; HF Wav2Vec2ForCTC (base-960h)",
	 "audio samples", 64000, 400, 480000, 1},
	{"firenet", "FireNet fire detector, 3 x 224 x 224 -> 2",
	 "Dunnings & Breckon ICIP 2018 (seed 000 sec. 2)", NULL, 0, 0, 0, 0},
	{"har", "HAR dense network, 561 features -> 6 activities",
	 "seed 000 sec. 2 (4 layers; widths the zoo's)", NULL, 0, 0, 0, 0},
	{"tcn", "acoustic-impedance TCN, 1 x L trace -> 1 x L",
	 "Mustafa et al. 2019 (seed 000 [11])", "trace length L", 701, 16,
	 100000, 1},
	{"fcn8", "FCN-8s segmentation, 5 classes, 3 x S x S -> 5 x S x S",
	 "Long et al. CVPR 2015 (seed 000 [7])", "image side S", 512, 32, 2048,
	 32},
	{"landcover", "multimodal land-cover CNN, HSI 48x25x25 + RGB 3x25x25 -> 20",
	 "Kosmidis et al. 2020 (seeds 002/003 sec. 3.1; widths the zoo's)",
	 NULL, 0, 0, 0, 0},
	{"gantt", "Gantt-chart anomaly CNN, 3 x 512 x 512 -> 4",
	 "Krawczuk et al. PEARC 2021 (seed 001 sec. 4.2.1; widths the zoo's)",
	 NULL, 0, 0, 0, 0},
};

static const build_fn builders[] = {
	build_resnet50, build_yolov3_tiny, build_distilbert, build_wav2vec2,
	build_firenet,	build_har,	   build_tcn,	     build_fcn8,
	build_landcover, build_gantt,
};

#define N_MODELS ((int)(sizeof models / sizeof models[0]))
_Static_assert(sizeof builders / sizeof builders[0] ==
		       sizeof models / sizeof models[0],
	       "one builder per model");

const nn_zoo_model *nn_zoo_models(int *n)
{
	*n = N_MODELS;
	return models;
}

const nn_zoo_model *nn_zoo_find(const char *name)
{
	for (int i = 0; i < N_MODELS; i++)
		if (!strcmp(models[i].name, name))
			return &models[i];
	return NULL;
}

int nn_zoo_build(nn_model **out, const char *name, int64_t size,
		 io_err *err)
{
	*out = NULL;
	const nn_zoo_model *z = nn_zoo_find(name);
	if (!z) {
		char known[256] = "";
		for (int i = 0; i < N_MODELS; i++)
			snprintf(known + strlen(known), sizeof known - strlen(known),
				 "%s%s", i ? ", " : "", models[i].name);
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "unknown model \"%s\" (known: %s)", name, known);
	}
	if (size && !z->size_what)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s has a fixed input size", name);
	if (!size)
		size = z->size_default;
	if (z->size_what && (size < z->size_min || size > z->size_max ||
			     size % z->size_multiple))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: %s must be %lld to %lld, a multiple "
			       "of %lld, not %lld",
			       name, z->size_what, (long long)z->size_min,
			       (long long)z->size_max,
			       (long long)z->size_multiple, (long long)size);
	zb b = {.err = err};
	int rc = nn_model_new(&b.m, name, err);
	if (rc)
		return rc;
	builders[z - models](&b, size);
	if (b.rc) {
		nn_model_free(b.m);
		return b.rc;
	}
	*out = b.m;
	return 0;
}
