package motus.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Medians and percentiles of a series of samples. */
record Stats(List<Double> samples) {

    Stats {
        samples = new ArrayList<>(samples);
        Collections.sort(samples);
    }

    double percentile(double p) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * samples.size()) - 1;
        return samples.get(Math.clamp(index, 0, samples.size() - 1));
    }

    double median() {
        return percentile(50);
    }

    double max() {
        return samples.isEmpty() ? Double.NaN : samples.getLast();
    }
}
