package io.llava4j.vision.projector;

import io.llava4j.config.ConfigException;
import io.llava4j.kernels.Activations;
import io.llava4j.nn.Linear;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Vision-to-language projector: Linear, then (N-1) x [activation, Linear] (LLaVA's "mlpNx_gelu";
 * "linear" is N = 1). Features (n, mm_hidden) -> (n, hidden).
 */
public record MlpProjector(List<Linear> linears, String activation) {
    private static final Pattern MLP = Pattern.compile("^mlp(\\d+)x_gelu$");

    public MlpProjector {
        if (linears.isEmpty()) throw new IllegalArgumentException("projector needs at least one linear layer");
        for (int i = 1; i < linears.size(); i++) {
            if (linears.get(i).in() != linears.get(i - 1).out()) throw new IllegalArgumentException(
                    "projector layer " + i + " takes " + linears.get(i).in() + " inputs but layer " + (i - 1) + " gives " + linears.get(i - 1).out());
        }
        linears = List.copyOf(linears);
    }

    /** Number of Linear layers for a projector type string ("linear" = 1, "mlp2x_gelu" = 2, ...). */
    public static int depth(String type) {
        if (type.equals("linear")) return 1;
        Matcher m = MLP.matcher(type);
        if (m.matches()) return Integer.parseInt(m.group(1));
        throw new ConfigException("projector type '" + type + "' is not supported (supported: linear, mlpNx_gelu)");
    }

    public int inputDim() { return linears.getFirst().in(); }
    public int outputDim() { return linears.getLast().out(); }

    /** x (n, mm_hidden) -> (n, hidden). */
    public float[] forward(float[] x, int n) {
        float[] y = linears.getFirst().forward(x, n);
        for (int i = 1; i < linears.size(); i++) {
            Activations.apply(activation, y, y.length);
            y = linears.get(i).forward(y, n);
        }
        return y;
    }
}
