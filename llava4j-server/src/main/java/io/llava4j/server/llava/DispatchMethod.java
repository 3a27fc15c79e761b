package io.llava4j.server.llava;

/** How the controller picks a worker for a model (controller.py's {@code --dispatch-method}). */
public enum DispatchMethod {
    /** A random worker, with probability proportional to its speed. */
    LOTTERY,
    /** The worker with the least {@code queue_length / speed}; its queue length is then counted one higher. */
    SHORTEST_QUEUE;

    public static DispatchMethod parse(String name) {
        return switch (name) {
            case "lottery" -> LOTTERY;
            case "shortest_queue" -> SHORTEST_QUEUE;
            default -> throw new IllegalArgumentException("Invalid dispatch method '" + name + "' (lottery, shortest_queue)");
        };
    }
}
