package io.llava4j.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two runs of two benchmarks -> markdown, JSON and HTML with the recorded run facts and a chart per metric. */
class ReportTest {
    @TempDir Path tmp;

    @Test
    void reportFromScoreResults() throws Exception {
        Path a = tmp.resolve("a.json"), b = tmp.resolve("b.json"), c = tmp.resolve("c.json");
        Files.writeString(a, "{\"benchmark\":\"pope\",\"model\":\"llava-a\",\"data_revision\":\"coco-2014\",\"metrics\":{\"random\":{\"accuracy\":0.8,\"f1\":0.75,\"TP\":3}}}");
        Files.writeString(b, "{\"benchmark\":\"pope\",\"model\":\"llava-b\",\"metrics\":{\"random\":{\"accuracy\":0.6,\"f1\":0.5,\"TP\":2}}}");
        Files.writeString(c, "{\"benchmark\":\"videochatgpt_qa\",\"model\":\"llava-a\",\"judge\":\"gpt-3.5-turbo\",\"frame_sampler\":\"uniform 8\",\"metrics\":{\"accuracy\":0.5,\"average_score\":2.25}}");
        Report.write(List.of(a, b, c), tmp.resolve("report"));
        String md = Files.readString(tmp.resolve("report/report.md"));
        assertTrue(md.contains("| llava-a | llava-a | coco-2014 | - | - | 0.8000 | 0.7500 |"), md);
        assertTrue(md.contains("uniform 8") && md.contains("gpt-3.5-turbo"), md);
        String html = Files.readString(tmp.resolve("report/report.html"));
        assertTrue(html.contains("<svg") && html.contains("random.f1") && html.contains("average_score"), html);
        assertTrue(Files.readString(tmp.resolve("report/report.json")).contains("\"frame_sampler\" : \"uniform 8\""));
    }
}
