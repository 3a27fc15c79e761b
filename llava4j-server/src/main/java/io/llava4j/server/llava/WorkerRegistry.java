package io.llava4j.server.llava;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The controller's table of workers, as controller.py keeps {@code worker_info}: worker address -> models, speed,
 * queue length, whether it must heartbeat, and the time of its last heartbeat. Insertion ordered (Python dicts
 * are), so ties in shortest-queue dispatch go to the worker registered first. Thread safe; does no I/O.
 */
final class WorkerRegistry {
    static final class Info {
        final List<String> modelNames;
        final double speed;
        int queueLength;
        final boolean checkHeartBeat;
        long lastHeartBeatMillis;

        Info(WorkerStatus s, boolean checkHeartBeat, long now) {
            this.modelNames = s.modelNames();
            this.speed = s.speed();
            this.queueLength = s.queueLength();
            this.checkHeartBeat = checkHeartBeat;
            this.lastHeartBeatMillis = now;
        }
    }

    private final Map<String, Info> workers = new LinkedHashMap<>();
    private final DispatchMethod dispatch;
    private final RandomGenerator random;
    private final LongSupplier clockMillis;

    WorkerRegistry(DispatchMethod dispatch, RandomGenerator random, LongSupplier clockMillis) {
        this.dispatch = dispatch;
        this.random = random;
        this.clockMillis = clockMillis;
    }

    DispatchMethod dispatch() { return dispatch; }

    synchronized void put(String worker, WorkerStatus status, boolean checkHeartBeat) {
        workers.put(worker, new Info(status, checkHeartBeat, clockMillis.getAsLong()));
    }

    synchronized boolean contains(String worker) { return workers.containsKey(worker); }

    synchronized void remove(String worker) { workers.remove(worker); }

    /** Empties the table and returns what it held (refresh_all_workers re-registers each). */
    synchronized Map<String, Boolean> drain() {
        Map<String, Boolean> old = new LinkedHashMap<>();
        workers.forEach((k, v) -> old.put(k, v.checkHeartBeat));
        workers.clear();
        return old;
    }

    synchronized List<String> workerNames() { return new ArrayList<>(workers.keySet()); }

    /** Every model any worker serves, each once, in registration order. */
    synchronized List<String> models() {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (Info i : workers.values()) names.addAll(i.modelNames);
        return new ArrayList<>(names);
    }

    /** A heartbeat: false when the worker is unknown (the worker then registers again). */
    synchronized boolean heartBeat(String worker, int queueLength) {
        Info i = workers.get(worker);
        if (i == null) return false;
        i.queueLength = queueLength;
        i.lastHeartBeatMillis = clockMillis.getAsLong();
        return true;
    }

    /** Drops the workers that must heartbeat and have been silent longer than {@code expirationMillis}. */
    synchronized List<String> expire(long expirationMillis) {
        long oldest = clockMillis.getAsLong() - expirationMillis;
        List<String> gone = new ArrayList<>();
        workers.entrySet().removeIf(e -> {
            boolean dead = e.getValue().checkHeartBeat && e.getValue().lastHeartBeatMillis < oldest;
            if (dead) gone.add(e.getKey());
            return dead;
        });
        return gone;
    }

    /** The worker address for a model, or "" when none serves it (controller.py's get_worker_address). */
    synchronized String pick(String model) {
        List<String> names = new ArrayList<>();
        List<Info> infos = new ArrayList<>();
        workers.forEach((k, v) -> {
            if (v.modelNames.contains(model)) {
                names.add(k);
                infos.add(v);
            }
        });
        return switch (dispatch) {
            case LOTTERY -> lottery(names, infos);
            case SHORTEST_QUEUE -> shortestQueue(names, infos);
        };
    }

    /** Weighted by speed; "" when the speeds add up to (almost) nothing, as the original's norm < 1e-4. */
    private String lottery(List<String> names, List<Info> infos) {
        double norm = 0;
        for (Info i : infos) norm += Math.max(0, i.speed);
        if (norm < 1e-4) return "";
        double r = random.nextDouble() * norm;
        for (int k = 0; k < names.size(); k++) {
            r -= Math.max(0, infos.get(k).speed);
            if (r < 0) return names.get(k);
        }
        for (int k = names.size() - 1; k >= 0; k--) if (infos.get(k).speed > 0) return names.get(k);
        return "";
    }

    /**
     * argmin of queue_length / speed (first minimum wins, as numpy's argmin); the chosen worker's queue counts one
     * more until its next heartbeat. A speed of 0 ranks last (the original divides by zero).
     */
    private String shortestQueue(List<String> names, List<Info> infos) {
        if (names.isEmpty()) return "";
        int best = -1;
        double bestLoad = Double.NaN;
        for (int k = 0; k < names.size(); k++) {
            Info i = infos.get(k);
            double load = i.speed > 0 ? i.queueLength / i.speed : Double.POSITIVE_INFINITY;
            if (best < 0 || load < bestLoad) {
                best = k;
                bestLoad = load;
            }
        }
        infos.get(best).queueLength++;
        return names.get(best);
    }

    /** Test view of a worker's queue length as the controller counts it (-1 when unknown). */
    synchronized int queueLength(String worker) {
        Info i = workers.get(worker);
        return i == null ? -1 : i.queueLength;
    }
}
