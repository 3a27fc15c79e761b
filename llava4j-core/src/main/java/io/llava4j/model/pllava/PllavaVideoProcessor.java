package io.llava4j.model.pllava;

import io.llava4j.media.RgbImage;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import io.llava4j.vision.preprocess.ImageOps;
import io.llava4j.vision.preprocess.PilResize;

import java.util.ArrayList;
import java.util.List;

/**
 * PllavaProcessor.resize_crop_longshort, then the CLIP processor per frame: all videos of one call are resized so
 * their short side is max(largest short side capped by the 640-px long-side budget, CLIP size), then the long side
 * is center-sliced to the least elongated video's aspect ratio.
 */
final class PllavaVideoProcessor {
    private final ClipImageProcessor clip;

    PllavaVideoProcessor(ClipImageProcessor clip) { this.clip = clip; }

    List<List<float[]>> process(List<List<RgbImage>> videos) {
        int clipRes = clip.config().shortestEdge() > 0 ? clip.config().shortestEdge() : clip.config().resizeHeight();
        double minRate = Double.MAX_VALUE;
        int minIdx = 0, maxShort = 0, maxLong = 0;
        for (int i = 0; i < videos.size(); i++) {
            RgbImage f = videos.get(i).getFirst();
            int lo = Math.min(f.width(), f.height()), hi = Math.max(f.width(), f.height());
            double rate = (double) hi / lo;
            if (rate < minRate) { minRate = rate; minIdx = i; }
            maxShort = Math.max(maxShort, lo);
            maxLong = Math.max(maxLong, hi);
        }
        int resizeLongest = Math.min(640, maxLong);
        int outShort = Math.max(Math.min(maxShort, (int) (resizeLongest / minRate)), clipRes);
        RgbImage ref = videos.get(minIdx).getFirst();
        int outLong = (int) (outShort * minRate); // the long side of the reference after resizing
        List<List<float[]>> out = new ArrayList<>();
        for (List<RgbImage> frames : videos) {
            List<float[]> px = new ArrayList<>();
            for (RgbImage f : frames) {
                RgbImage r = resizeShort(f, outShort);
                int overhead = (Math.max(r.width(), r.height()) - outLong) / 2;
                int s0 = overhead / 2, len = outLong;
                RgbImage cropped = r.height() > r.width()
                        ? ImageOps.crop(r, 0, s0, r.width(), Math.min(len, r.height() - s0))
                        : ImageOps.crop(r, s0, 0, Math.min(len, r.width() - s0), r.height());
                px.add(clip.preprocess(cropped).data());
            }
            out.add(px);
        }
        return out;
    }

    /** get_resize_output_image_size(size=short, default_to_square=False, max_size=9999) + PIL bicubic. */
    private RgbImage resizeShort(RgbImage f, int target) {
        int w = f.width(), h = f.height();
        int lo = Math.min(w, h), hi = Math.max(w, h);
        int newLong = (int) ((long) target * hi / lo);
        int nw = w <= h ? target : newLong, nh = w <= h ? newLong : target;
        return PilResize.resize(f, nw, nh, clip.config().resample());
    }
}
