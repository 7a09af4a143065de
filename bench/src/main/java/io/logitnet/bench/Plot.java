package io.logitnet.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * The throughput plot: achieved GFLOP/s against hidden width, one line per backend and precision (and PyTorch), one
 * panel per family of shapes that differ only in hidden width. Drawn with Java2D, headless.
 */
public final class Plot {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
        new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    private static final int PANEL_W = 620;
    private static final int PANEL_H = 460;
    private static final int TITLE_H = 50;

    private Plot() {
    }

    /** A family: batch, input, output and depth fixed; series name → hidden width → GFLOP/s. */
    private record Family(String title, Map<String, TreeMap<Integer, Double>> series) {
    }

    /** Writes the PNG. */
    public static void write(StepBench.Result r, Path png) throws IOException {
        write(r.date(), r.machine(), r.measurements(), png);
    }

    /**
     * Draws the plot of a report written elsewhere (where the Java runtime had no {@code java.desktop}, e.g. the
     * bundle on a GPU host): {@code java -cp cli/target/logitnet.jar io.logitnet.bench.Plot DATE-NAME.json ...}
     * writes {@code DATE-NAME.png} beside each JSON document.
     */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: java -cp logitnet.jar io.logitnet.bench.Plot REPORT.json ...");
            System.exit(2);
        }
        for (String a : args) {
            Path json = Path.of(a);
            JsonNode doc = Report.JSON.readTree(json.toFile());
            Map<String, String> machine = Report.JSON.convertValue(doc.path("machine"),
                    new TypeReference<Map<String, String>>() { });
            List<Measurement> rows = Report.JSON.convertValue(doc.path("measurements"),
                    new TypeReference<List<Measurement>>() { });
            String name = json.getFileName().toString().replaceFirst("\\.json$", "");
            Path png = json.resolveSibling(name + ".png");
            write(doc.path("date").asText(), machine, rows, png);
            System.out.println("wrote " + png + " (" + rows.size() + " measurements)");
        }
    }

    private static void write(String date, Map<String, String> machine, List<Measurement> measurements, Path png)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Family> families = families(measurements);
        int cols = Math.max(1, Math.min(2, families.size()));
        int rows = Math.max(1, (families.size() + cols - 1) / cols);
        BufferedImage img = new BufferedImage(cols * PANEL_W, TITLE_H + rows * PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString("Training-step throughput against hidden width (higher is better)", 20, 24);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.drawString(date + ", " + machine.getOrDefault("cpu", "") + ", "
                    + machine.getOrDefault("cores", "").replaceAll(" \\(.*", "") + " cores; "
                    + "GFLOP/s = 6·batch·Σ in·out / median step time", 20, 42);
            Map<String, Color> colors = new LinkedHashMap<>();
            for (Family f : families) {
                for (String s : f.series().keySet()) {
                    colors.computeIfAbsent(s, k -> PALETTE[colors.size() % PALETTE.length]);
                }
            }
            if (families.isEmpty()) {
                g.drawString("no measurements", 40, TITLE_H + 40);
            }
            for (int i = 0; i < families.size(); i++) {
                panel(g, families.get(i), colors, (i % cols) * PANEL_W, TITLE_H + (i / cols) * PANEL_H);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", png.toFile());
    }

    private static List<Family> families(List<Measurement> rows) {
        Map<String, Family> out = new LinkedHashMap<>();
        for (Measurement m : rows) {
            if (!m.measured()) {
                continue;
            }
            List<Integer> l = m.layers();
            String key = m.batch() + "/" + l.get(0) + "/" + l.get(l.size() - 1) + "/" + m.depth();
            String hidden = m.depth() == 0 ? "" : m.depth() == 1 ? " → w" : " → w ×" + m.depth();
            String title = "batch " + m.batch() + ", " + l.get(0) + hidden + " → " + l.get(l.size() - 1);
            Family f = out.computeIfAbsent(key, k -> new Family(title, new LinkedHashMap<>()));
            String name = m.backend() + " " + m.precision();
            f.series().computeIfAbsent(name, k -> new TreeMap<>()).put(m.hiddenWidth(), m.tflops() * 1e3);
            if (m.djlTflops() != null) {
                f.series().computeIfAbsent("djl cpu " + m.precision(), k -> new TreeMap<>())
                        .put(m.hiddenWidth(), m.djlTflops() * 1e3);
            }
            if (m.pytorchTflops() != null) {
                String torch = "pytorch " + m.pytorchDevice() + " " + m.precision();
                f.series().computeIfAbsent(torch, k -> new TreeMap<>()).put(m.hiddenWidth(), m.pytorchTflops() * 1e3);
            }
        }
        // families with a sweep first; single points still get a panel, after them
        List<Family> sweeps = new ArrayList<>();
        List<Family> single = new ArrayList<>();
        for (Family f : out.values()) {
            boolean sweep = f.series().values().stream().anyMatch(s -> s.size() > 1);
            (sweep ? sweeps : single).add(f);
        }
        sweeps.addAll(single);
        return sweeps;
    }

    private static void panel(Graphics2D g, Family f, Map<String, Color> colors, int x0, int y0) {
        int left = x0 + 70;
        int right = x0 + PANEL_W - 20;
        int top = y0 + 40;
        int bottom = y0 + PANEL_H - 60;
        TreeMap<Integer, Boolean> widths = new TreeMap<>();
        double max = 0;
        for (TreeMap<Integer, Double> s : f.series().values()) {
            for (Map.Entry<Integer, Double> e : s.entrySet()) {
                widths.put(e.getKey(), true);
                max = Math.max(max, e.getValue());
            }
        }
        double yMax = niceCeiling(max * 1.15);
        double lx0 = Math.log(widths.firstKey()) / Math.log(2);
        double lx1 = Math.log(widths.lastKey()) / Math.log(2);
        if (lx1 - lx0 < 1e-9) {
            lx0 -= 1;
            lx1 += 1;
        }
        double padX = (lx1 - lx0) * 0.08;
        double fx0 = lx0 - padX;
        double fx1 = lx1 + padX;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(f.title(), left, y0 + 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        // grid and y ticks
        for (int t = 0; t <= 5; t++) {
            double v = yMax * t / 5;
            int y = (int) Math.round(bottom - (bottom - top) * v / yMax);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String label = v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
            g.drawString(label, left - 8 - fm.stringWidth(label), y + 4);
        }
        // x ticks at the measured widths
        for (int w : widths.keySet()) {
            int x = xOf(w, fx0, fx1, left, right);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(x, top, x, bottom);
            g.setColor(Color.DARK_GRAY);
            String label = Integer.toString(w);
            g.drawString(label, x - fm.stringWidth(label) / 2, bottom + 16);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, right - left, bottom - top);
        g.drawString("hidden width w (log scale)", (left + right) / 2 - 70, bottom + 34);
        Graphics2D rot = (Graphics2D) g.create();
        rot.rotate(-Math.PI / 2);
        rot.drawString("GFLOP/s", -(top + bottom) / 2 - 25, x0 + 16);
        rot.dispose();
        // series
        int legendY = top + 16;
        for (Map.Entry<String, TreeMap<Integer, Double>> s : f.series().entrySet()) {
            Color c = colors.get(s.getKey());
            boolean torch = s.getKey().startsWith("pytorch") || s.getKey().startsWith("djl"); // peers: dashed
            g.setColor(c);
            g.setStroke(torch ? new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f,
                    new float[] {7f, 5f}, 0f) : new BasicStroke(2.6f));
            int px = -1;
            int py = -1;
            for (Map.Entry<Integer, Double> p : s.getValue().entrySet()) {
                int x = xOf(p.getKey(), fx0, fx1, left, right);
                int y = (int) Math.round(bottom - (bottom - top) * p.getValue() / yMax);
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                px = x;
                py = y;
            }
            g.setStroke(new BasicStroke(1.5f));
            for (Map.Entry<Integer, Double> p : s.getValue().entrySet()) {
                int x = xOf(p.getKey(), fx0, fx1, left, right);
                int y = (int) Math.round(bottom - (bottom - top) * p.getValue() / yMax);
                if (torch) {
                    g.drawRect(x - 4, y - 4, 8, 8);
                } else {
                    g.fillOval(x - 4, y - 4, 9, 9);
                }
            }
            // legend
            g.setStroke(torch ? new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f,
                    new float[] {7f, 5f}, 0f) : new BasicStroke(2.6f));
            g.drawLine(left + 10, legendY - 4, left + 36, legendY - 4);
            g.setStroke(new BasicStroke(1f));
            g.setColor(Color.BLACK);
            g.drawString(s.getKey(), left + 42, legendY);
            legendY += 16;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static int xOf(int width, double fx0, double fx1, int left, int right) {
        double lx = Math.log(width) / Math.log(2);
        return (int) Math.round(left + (right - left) * (lx - fx0) / (fx1 - fx0));
    }

    /** 1, 2 or 5 times a power of ten, at least v. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
