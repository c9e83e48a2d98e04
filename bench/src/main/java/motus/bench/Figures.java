package motus.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of a side-by-side benchmark: for each figure, each target's value in each run.
 * Printed as a Markdown table of one run or of the medians, with each target's ratio to the
 * first, and optionally to a reference target (the original server).
 */
final class Figures {

    /** Figure, then target, then the value of each run. */
    private final Map<String, Map<String, List<Double>>> values = new LinkedHashMap<>();

    void record(String target, String figure, double value) {
        values.computeIfAbsent(figure, f -> new LinkedHashMap<>()).computeIfAbsent(target, t -> new ArrayList<>()).add(value);
    }

    /**
     * Prints run number {@code run} (from 0), or with -1 the medians.
     *
     * @param reference a target each of the others is also compared with, or null
     */
    void print(List<String> targets, int run, String reference) {
        String first = targets.getFirst();
        List<String> others = targets.stream().filter(t -> !t.equals(reference)).toList();
        List<String> columns = new ArrayList<>(targets);
        targets.subList(1, targets.size()).forEach(t -> columns.add(t + " / " + first));
        if (reference != null) {
            others.forEach(t -> columns.add(t + " / " + reference));
        }
        System.out.println("| figure | " + String.join(" | ", columns) + " |");
        System.out.println("|---|" + "---|".repeat(columns.size()));
        values.forEach((figure, byTarget) -> {
            Map<String, Double> value = new LinkedHashMap<>();
            for (String target : targets) {
                List<Double> runs = byTarget.getOrDefault(target, List.of());
                value.put(target, runs.isEmpty() ? Double.NaN
                        : run < 0 ? new Stats(runs).median() : runs.get(Math.min(run, runs.size() - 1)));
            }
            StringBuilder line = new StringBuilder("| ").append(figure).append(" |");
            targets.forEach(t -> line.append(String.format(Locale.ROOT, " %.1f |", value.get(t))));
            targets.subList(1, targets.size()).forEach(t -> line.append(
                    String.format(Locale.ROOT, " %.2f |", value.get(t) / value.get(first))));
            if (reference != null) {
                others.forEach(t -> line.append(String.format(Locale.ROOT, " %.2f |", value.get(t) / value.get(reference))));
            }
            System.out.println(line);
        });
        System.out.println();
    }
}
