package io.llava4j.vision.preprocess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llava4j.media.RgbImage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * HF {@code CLIPImageProcessor} (transformers 4.47, slow/PIL path) for one RGB image:
 * <ol>
 *   <li>resize with Pillow ({@link PilResize}): shortest edge to {@code size.shortest_edge}, long edge
 *       {@code int(s * long / short)}; or exactly {@code size.height x size.width};</li>
 *   <li>center crop to {@code crop_size} (HF semantics: zero-pads an image smaller than the crop);</li>
 *   <li>rescale: {@code float32(float64(u8) * rescale_factor)} (HF multiplies in float64, then casts);</li>
 *   <li>normalize in float32: {@code (x - float32(mean[c])) / float32(std[c])};</li>
 *   <li>HWC to CHW.</li>
 * </ol>
 * The same steps serve VideoLlava/LlavaNextVideo frame processing, and SigLIP-style "resize to a square, no crop"
 * configs (OneVision's video processor). {@link #preprocessPadToSquare} adds LLaVA's {@code image_aspect_ratio: pad}.
 */
public final class ClipImageProcessor {

    /** OpenAI CLIP normalisation, HF's default when the config has no image_mean / image_std. */
    public static final double[] OPENAI_CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    public static final double[] OPENAI_CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    /**
     * The processor settings. Resize target: {@code shortestEdge > 0}, or else exactly
     * {@code resizeHeight x resizeWidth}.
     */
    public record Config(
            boolean doResize, int shortestEdge, int resizeHeight, int resizeWidth, PilResize.Filter resample,
            boolean doCenterCrop, int cropHeight, int cropWidth,
            boolean doRescale, double rescaleFactor,
            boolean doNormalize, double[] imageMean, double[] imageStd) {
        public Config {
            if (doResize && shortestEdge <= 0 && (resizeHeight <= 0 || resizeWidth <= 0)) {
                throw new IllegalArgumentException("resize needs shortest_edge or height and width > 0");
            }
            if (doCenterCrop && (cropHeight <= 0 || cropWidth <= 0)) throw new IllegalArgumentException("crop_size must be > 0");
            if (imageMean.length != 3 || imageStd.length != 3) throw new IllegalArgumentException("image_mean/std need 3 values");
            imageMean = imageMean.clone();
            imageStd = imageStd.clone();
        }
    }

    private final Config cfg;
    private final float[] meanF = new float[3];
    private final float[] stdF = new float[3];

    public ClipImageProcessor(Config cfg) {
        this.cfg = cfg;
        for (int c = 0; c < 3; c++) {
            meanF[c] = (float) cfg.imageMean()[c];
            stdF[c] = (float) cfg.imageStd()[c];
        }
    }

    /** Reads a {@code preprocessor_config.json}. */
    public static ClipImageProcessor load(Path preprocessorConfig) {
        try {
            return fromJson(new ObjectMapper().readTree(preprocessorConfig.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + preprocessorConfig + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(preprocessorConfig + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds the processor from preprocessor_config.json fields, with CLIPImageProcessor's defaults for absent keys
     * (shortest_edge 224, bicubic, rescale 1/255, OpenAI mean/std) except one: an absent {@code do_center_crop} means
     * "crop iff crop_size is given", so SigLIP-style configs (OneVision: size height/width, no crop keys) work.
     * {@code do_convert_rgb} is accepted and ignored: {@link RgbImage} is always RGB.
     */
    public static ClipImageProcessor fromJson(JsonNode j) {
        boolean doResize = j.path("do_resize").asBoolean(true);
        int shortest = 0, rh = 0, rw = 0;
        JsonNode size = j.get("size");
        if (size == null || size.isNull()) {
            shortest = 224;
        } else if (size.isInt()) {
            shortest = size.asInt();                       // get_size_dict(int, default_to_square=False)
        } else if (size.has("shortest_edge")) {
            shortest = size.get("shortest_edge").asInt();  // CLIP ignores longest_edge
        } else if (size.has("height") && size.has("width")) {
            rh = size.get("height").asInt();
            rw = size.get("width").asInt();
        } else {
            throw new IllegalArgumentException("size must contain shortest_edge or height and width, got " + size);
        }
        PilResize.Filter resample = PilResize.Filter.fromPilCode(j.path("resample").asInt(3));

        JsonNode crop = j.get("crop_size");
        boolean hasCrop = crop != null && !crop.isNull();
        boolean doCrop = j.has("do_center_crop") ? j.get("do_center_crop").asBoolean() : hasCrop;
        int ch = 224, cw = 224;
        if (hasCrop) {
            if (crop.isInt()) {
                ch = cw = crop.asInt();
            } else if (crop.has("height") && crop.has("width")) {
                ch = crop.get("height").asInt();
                cw = crop.get("width").asInt();
            } else {
                throw new IllegalArgumentException("crop_size must be an int or have height and width, got " + crop);
            }
        }
        boolean doRescale = j.path("do_rescale").asBoolean(true);
        double factor = j.has("rescale_factor") ? j.get("rescale_factor").asDouble() : 1.0 / 255;
        boolean doNormalize = j.path("do_normalize").asBoolean(true);
        double[] mean = triple(j.get("image_mean"), OPENAI_CLIP_MEAN, "image_mean");
        double[] std = triple(j.get("image_std"), OPENAI_CLIP_STD, "image_std");
        return new ClipImageProcessor(new Config(doResize, shortest, rh, rw, resample, doCrop, ch, cw,
                doRescale, factor, doNormalize, mean, std));
    }

    private static double[] triple(JsonNode n, double[] dflt, String key) {
        if (n == null || n.isNull()) return dflt.clone();
        if (n.isNumber()) return new double[] {n.asDouble(), n.asDouble(), n.asDouble()};
        if (n.isArray() && n.size() == 3) return new double[] {n.get(0).asDouble(), n.get(1).asDouble(), n.get(2).asDouble()};
        throw new IllegalArgumentException(key + " must be a number or 3 numbers, got " + n);
    }

    public Config config() { return cfg; }

    /** Output (height, width) of the pixel tensor for an input of the given size. */
    public int[] outputSize(int width, int height) {
        if (cfg.doCenterCrop()) return new int[] {cfg.cropHeight(), cfg.cropWidth()};
        if (!cfg.doResize()) return new int[] {height, width};
        int[] wh = resizeTarget(width, height);
        return new int[] {wh[1], wh[0]};
    }

    /** HF get_resize_output_image_size (default_to_square=False for shortest_edge): returns {width, height}. */
    int[] resizeTarget(int width, int height) {
        if (cfg.shortestEdge() <= 0) return new int[] {cfg.resizeWidth(), cfg.resizeHeight()};
        int s = cfg.shortestEdge();
        int shortSide = Math.min(width, height), longSide = Math.max(width, height);
        int newLong = (int) ((double) ((long) s * longSide) / shortSide); // Python int(s * long / short)
        return width <= height ? new int[] {s, newLong} : new int[] {newLong, s};
    }

    /** Steps 1-2 on 8-bit pixels: resize, then center crop. */
    public RgbImage resizeAndCrop(RgbImage img) {
        if (cfg.doResize()) {
            int[] wh = resizeTarget(img.width(), img.height());
            img = PilResize.resize(img, wh[0], wh[1], cfg.resample());
        }
        if (cfg.doCenterCrop()) img = ImageOps.centerCrop(img, cfg.cropHeight(), cfg.cropWidth());
        return img;
    }

    /** Steps 3-5: (H, W, 3) bytes to (3, H, W) float32, with HF's rounding (see class comment). */
    public PixelValues normalize(RgbImage img) {
        int h = img.height(), w = img.width(), plane = h * w;
        byte[] src = img.data();
        float[] out = new float[3 * plane];
        double factor = cfg.rescaleFactor();
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                int u8 = src[i * 3 + c] & 0xff;
                float v = cfg.doRescale() ? (float) (u8 * factor) : (float) u8;
                if (cfg.doNormalize()) v = (v - meanF[c]) / stdF[c];
                out[c * plane + i] = v;
            }
        }
        return new PixelValues(out, h, w);
    }

    /** The whole CLIPImageProcessor pipeline for one image. */
    public PixelValues preprocess(RgbImage img) {
        return normalize(resizeAndCrop(img));
    }

    /** LLaVA's pad background: {@code tuple(int(x * 255) for x in image_mean)}, e.g. (122, 116, 104) for CLIP. */
    public int[] meanBackground() {
        int[] bg = new int[3];
        for (int c = 0; c < 3; c++) bg[c] = (int) (cfg.imageMean()[c] * 255);
        return bg;
    }

    /**
     * LLaVA {@code image_aspect_ratio: "pad"} (llava/mm_utils.process_images): expand2square on the
     * {@link #meanBackground()} colour, then this processor (whose crop is then a no-op).
     */
    public PixelValues preprocessPadToSquare(RgbImage img) {
        int[] bg = meanBackground();
        return preprocess(ImageOps.expand2square(img, bg[0], bg[1], bg[2]));
    }

    @Override
    public String toString() {
        String resize = !cfg.doResize() ? "no resize" : cfg.shortestEdge() > 0 ? "shortest_edge " + cfg.shortestEdge()
                : cfg.resizeHeight() + "x" + cfg.resizeWidth();
        return "ClipImageProcessor[" + resize + " " + cfg.resample()
                + (cfg.doCenterCrop() ? ", crop " + cfg.cropHeight() + "x" + cfg.cropWidth() : ", no crop")
                + (cfg.doRescale() ? ", rescale " + cfg.rescaleFactor() : "")
                + (cfg.doNormalize() ? ", mean " + Arrays.toString(cfg.imageMean()) + " std " + Arrays.toString(cfg.imageStd()) : "")
                + "]";
    }
}
