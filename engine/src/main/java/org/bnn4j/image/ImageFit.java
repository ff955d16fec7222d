package org.bnn4j.image;

import java.util.Arrays;

/**
 * The geometric half of preprocessing: judging an image's background from its border, and the
 * {@code pad} and {@code mnist} fits. Works on planes of 0..255 samples, one per channel.
 */
final class ImageFit {
  private ImageFit() {}

  /** Ink below this fraction of the image's strongest ink is ignored when finding the glyph. */
  static final float INK_FRACTION = 0.2f;

  /**
   * The median of the outermost ring of pixels (the first and last row and column) of a plane:
   * the value the background has, robust to a glyph that touches the border here and there.
   */
  static float borderMedian(float[] plane, int w, int h) {
    int n = h == 1 || w == 1 ? w * h : 2 * w + 2 * (h - 2);
    float[] ring = new float[n];
    int k = 0;
    for (int y = 0; y < h; y++) {
      boolean edgeRow = y == 0 || y == h - 1;
      for (int x = 0; x < w; x++) {
        if (edgeRow || x == 0 || x == w - 1) {
          ring[k++] = plane[y * w + x];
        }
      }
    }
    Arrays.sort(ring, 0, k);
    return k % 2 == 1 ? ring[k / 2] : (ring[k / 2 - 1] + ring[k / 2]) / 2f;
  }

  /**
   * Resamples the {@code cw x ch} crop at {@code (cx, cy)} of a {@code sw}-wide plane to {@code
   * dw x dh}, separably: along an axis that shrinks, each output pixel averages the source over
   * its footprint (a box filter, which anti-aliases); along an axis that grows, bilinear with
   * half-pixel centres.
   */
  static float[] resample(float[] src, int sw, int cx, int cy, int cw, int ch, int dw, int dh) {
    Taps tx = Taps.of(cw, dw);
    Taps ty = Taps.of(ch, dh);
    float[] rows = new float[ch * dw];
    for (int y = 0; y < ch; y++) {
      int row = (cy + y) * sw + cx;
      for (int x = 0; x < dw; x++) {
        float v = 0f;
        for (int t = tx.start[x]; t < tx.start[x + 1]; t++) {
          v += tx.weight[t] * src[row + tx.index[t]];
        }
        rows[y * dw + x] = v;
      }
    }
    float[] out = new float[dw * dh];
    for (int y = 0; y < dh; y++) {
      for (int x = 0; x < dw; x++) {
        float v = 0f;
        for (int t = ty.start[y]; t < ty.start[y + 1]; t++) {
          v += ty.weight[t] * rows[ty.index[t] * dw + x];
        }
        out[y * dw + x] = v;
      }
    }
    return out;
  }

  /** Per output pixel along one axis: source indices and weights that sum to 1. */
  private record Taps(int[] start, int[] index, float[] weight) {
    static Taps of(int n, int m) {
      int[] start = new int[m + 1];
      int cap = m * (n > m ? (n + m - 1) / m + 2 : 2);
      int[] index = new int[cap];
      float[] weight = new float[cap];
      int k = 0;
      double scale = (double) n / m;
      for (int o = 0; o < m; o++) {
        start[o] = k;
        if (n > m) {
          double lo = o * scale;
          double hi = lo + scale;
          for (int i = (int) Math.floor(lo); i < Math.min(n, (int) Math.ceil(hi)); i++) {
            double cover = Math.min(hi, i + 1) - Math.max(lo, i);
            if (cover > 0) {
              index[k] = i;
              weight[k++] = (float) (cover / scale);
            }
          }
        } else {
          double s = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), n - 1);
          int i0 = (int) s;
          int i1 = Math.min(i0 + 1, n - 1);
          float f = (float) (s - i0);
          index[k] = i0;
          weight[k++] = 1f - f;
          if (i1 != i0 && f > 0f) {
            index[k] = i1;
            weight[k++] = f;
          }
        }
      }
      start[m] = k;
      return new Taps(start, index, weight);
    }
  }

  /**
   * Keeps the aspect ratio: scales the image to fit {@code dw x dh}, centres it and fills the
   * rest with {@code fill[c]}.
   */
  static float[][] pad(float[][] planes, int sw, int sh, int dw, int dh, float[] fill) {
    double scale = Math.min((double) dw / sw, (double) dh / sh);
    int nw = Math.max(1, Math.min(dw, (int) Math.round(sw * scale)));
    int nh = Math.max(1, Math.min(dh, (int) Math.round(sh * scale)));
    int ox = (dw - nw) / 2;
    int oy = (dh - nh) / 2;
    float[][] out = new float[planes.length][];
    for (int c = 0; c < planes.length; c++) {
      float[] scaled = resample(planes[c], sw, 0, 0, sw, sh, nw, nh);
      out[c] = canvas(dw, dh, fill[c]);
      paste(scaled, nw, nh, out[c], dw, dh, ox, oy);
    }
    return out;
  }

  /**
   * The MNIST fit: finds the glyph (pixels whose ink, their distance from the background {@code
   * fill}, is at least {@link #INK_FRACTION} of the strongest), crops to its bounding box,
   * scales the box to fit a square of {@code round(20 / 28 * min(dw, dh))} pixels (20 for 28x28)
   * keeping the aspect ratio, and pastes it onto a background canvas with an integer shift that
   * puts the glyph's centre of mass (of its ink) at pixel {@code (dw / 2, dh / 2)}, where MNIST
   * has it (the average over the MNIST test set is 14.0, 14.0 in pixel indices). An image
   * without ink becomes plain background.
   */
  static float[][] mnist(float[][] planes, float[] ink, int sw, int sh, int dw, int dh,
      float[] fill) {
    float max = 0f;
    for (float v : ink) {
      max = Math.max(max, v);
    }
    int x0 = sw;
    int y0 = sh;
    int x1 = -1;
    int y1 = -1;
    float threshold = max * INK_FRACTION;
    for (int y = 0; y < sh; y++) {
      for (int x = 0; x < sw; x++) {
        if (max > 0f && ink[y * sw + x] >= threshold) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
      }
    }
    float[][] out = new float[planes.length][];
    if (x1 < 0) {
      for (int c = 0; c < planes.length; c++) {
        out[c] = canvas(dw, dh, fill[c]);
      }
      return out;
    }
    int cw = x1 - x0 + 1;
    int ch = y1 - y0 + 1;
    int box = Math.max(1, (int) Math.round(20.0 / 28.0 * Math.min(dw, dh)));
    double scale = (double) box / Math.max(cw, ch);
    int nw = Math.max(1, Math.min(box, (int) Math.round(cw * scale)));
    int nh = Math.max(1, Math.min(box, (int) Math.round(ch * scale)));
    float[] scaledInk = resample(ink, sw, x0, y0, cw, ch, nw, nh);
    double mass = 0;
    double mx = 0;
    double my = 0;
    for (int y = 0; y < nh; y++) {
      for (int x = 0; x < nw; x++) {
        double m = Math.max(0f, scaledInk[y * nw + x]);
        mass += m;
        mx += m * x;
        my += m * y;
      }
    }
    int ox = (int) Math.round(dw / 2.0 - (mass > 0 ? mx / mass : (nw - 1) / 2.0));
    int oy = (int) Math.round(dh / 2.0 - (mass > 0 ? my / mass : (nh - 1) / 2.0));
    for (int c = 0; c < planes.length; c++) {
      float[] scaled = resample(planes[c], sw, x0, y0, cw, ch, nw, nh);
      out[c] = canvas(dw, dh, fill[c]);
      paste(scaled, nw, nh, out[c], dw, dh, ox, oy);
    }
    return out;
  }

  private static float[] canvas(int w, int h, float fill) {
    float[] c = new float[w * h];
    Arrays.fill(c, fill);
    return c;
  }

  /** Copies {@code src} (w x h) into {@code dst} (dw x dh) at (ox, oy), clipping at the edges. */
  private static void paste(float[] src, int w, int h, float[] dst, int dw, int dh, int ox,
      int oy) {
    for (int y = 0; y < h; y++) {
      int ty = oy + y;
      if (ty < 0 || ty >= dh) {
        continue;
      }
      for (int x = 0; x < w; x++) {
        int tx = ox + x;
        if (tx >= 0 && tx < dw) {
          dst[ty * dw + tx] = src[y * w + x];
        }
      }
    }
  }
}
