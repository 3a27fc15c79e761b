package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

import static io.llava4j.server.llava.LlavaProtocol.JSON;

/**
 * A worker's {@code /worker_get_status} answer: {@code {"model_names": [...], "speed": n, "queue_length": n}}.
 * @param speed       relative throughput the controller weighs workers by (the original sends 1; llava4j sends
 *                    its measured generated tokens per second)
 * @param queueLength requests admitted and not finished (running + waiting)
 */
public record WorkerStatus(List<String> modelNames, double speed, int queueLength) {
    public WorkerStatus {
        modelNames = List.copyOf(modelNames);
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        modelNames.forEach(o.putArray("model_names")::add);
        // an integral speed goes out as an integer, as the original's "speed": 1
        if (speed == Math.rint(speed) && Math.abs(speed) < 1e15) o.put("speed", (long) speed);
        else o.put("speed", speed);
        o.put("queue_length", queueLength);
        return o;
    }

    /** Reads the original's shape; a missing or malformed field is an error naming it. */
    public static WorkerStatus fromJson(JsonNode o) {
        if (o == null || !o.isObject()) throw new IllegalArgumentException("worker status must be a JSON object, got " + o);
        JsonNode names = o.get("model_names");
        if (names == null || !names.isArray()) throw new IllegalArgumentException("worker status needs 'model_names' (array)");
        List<String> list = new ArrayList<>();
        names.forEach(n -> list.add(n.asText()));
        JsonNode speed = o.get("speed"), queue = o.get("queue_length");
        if (speed == null || !speed.isNumber()) throw new IllegalArgumentException("worker status needs 'speed' (number)");
        if (queue == null || !queue.isNumber()) throw new IllegalArgumentException("worker status needs 'queue_length' (number)");
        return new WorkerStatus(list, speed.asDouble(), queue.asInt());
    }
}
