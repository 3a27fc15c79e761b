package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Constants and wire framing of haotian-liu/LLaVA's controller/worker protocol ({@code llava/constants.py},
 * {@code llava/utils.py}, {@code llava/serve/*.py}): every endpoint is a POST of a JSON object; a generation
 * streams JSON objects {@code {"text": <prompt + answer so far>, "error_code": 0}}, each followed by one NUL byte.
 */
public final class LlavaProtocol {
    private LlavaProtocol() {}

    static final ObjectMapper JSON = new ObjectMapper();

    /** {@code WORKER_HEART_BEAT_INTERVAL}: a worker reports its queue this often. */
    public static final Duration HEART_BEAT_INTERVAL = Duration.ofSeconds(15);
    /** {@code CONTROLLER_HEART_BEAT_EXPIRATION}: a worker silent this long is dropped. */
    public static final Duration HEART_BEAT_EXPIRATION = Duration.ofSeconds(30);

    /** {@code llava.utils.server_error_msg}: the text of the controller's stream errors. */
    public static final String SERVER_ERROR_MSG = "**NETWORK ERROR DUE TO HIGH TRAFFIC. PLEASE REGENERATE OR REFRESH THIS PAGE.**";
    /** The original worker's answer when the prompt leaves no room to generate (sent with error_code 0). */
    public static final String EXCEEDS_CONTEXT_MSG = "Exceeds max token length. Please start a new conversation, thanks.";

    /** error_code values: 0 ok; 1 the worker failed (bad input or generation error); 2 no worker; 3 worker unreachable. */
    public static final int OK = 0, WORKER_ERROR = 1, NO_WORKER = 2, WORKER_TIMEOUT = 3;

    /** The frame separator of {@code /worker_generate_stream}. */
    public static final byte SEPARATOR = 0;

    /** One stream frame: the JSON object's UTF-8 bytes followed by NUL. */
    static byte[] frame(ObjectNode o) {
        try {
            byte[] json = JSON.writeValueAsBytes(o);
            byte[] out = java.util.Arrays.copyOf(json, json.length + 1);
            out[json.length] = SEPARATOR;
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode textFrame(String text, int errorCode) {
        return JSON.createObjectNode().put("text", text).put("error_code", errorCode);
    }

    static void writeFrame(OutputStream out, ObjectNode o) throws IOException {
        out.write(frame(o));
        out.flush();
    }
}
