package dev.voiceagent.testkit.infra;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where one database lives, and the {@code voice.database.*} properties that point a service at it. */
public record DatabaseCoordinates(String host, int port, String database, String username, String password) {

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    public Map<String, Object> serviceProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("voice.database.host", host);
        p.put("voice.database.port", String.valueOf(port));
        p.put("voice.database.name", database);
        p.put("voice.database.username", username);
        p.put("voice.database.password", password);
        return p;
    }

    public DatabaseCoordinates withDatabase(String name) {
        return new DatabaseCoordinates(host, port, name, username, password);
    }

    /**
     * Parses {@code postgresql://user:password@host:port/database} (the form of {@code VOICE_DB_URL});
     * a {@code jdbc:} prefix is accepted too.
     */
    public static DatabaseCoordinates parse(String url) {
        java.net.URI uri = java.net.URI.create(url.startsWith("jdbc:") ? url.substring(5) : url);
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw new IllegalArgumentException("expected postgresql://user:password@host:port/database");
        }
        String user = "postgres";
        String password = "";
        if (uri.getUserInfo() != null) {
            String[] parts = uri.getUserInfo().split(":", 2);
            user = parts[0];
            password = parts.length > 1 ? parts[1] : "";
        }
        String path = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        return new DatabaseCoordinates(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 5432, path, user, password);
    }
}
