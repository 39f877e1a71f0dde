package dev.voiceagent.config.tenant;

import dev.voiceagent.config.support.Limits;
import dev.voiceagent.config.support.Rows;
import dev.voiceagent.support.Problems;
import io.r2dbc.postgresql.codec.Json;
import java.util.List;
import java.util.Map;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Tenants and the phone numbers that route to them. */
@Repository
public class TenantRepository {

    private final DatabaseClient db;
    private final JsonMapper json;

    public TenantRepository(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    public Mono<Tenant> find(String tenantId) {
        Mono<List<String>> numbers = db.sql("SELECT phone_number FROM tenant_phone_numbers WHERE tenant_id = :tenant "
                        + "ORDER BY position")
                .bind("tenant", tenantId)
                .map((row, meta) -> row.get("phone_number", String.class))
                .all()
                .collectList();
        return db.sql("SELECT id, display_name, time_zone, limits::text AS limits, enabled, revision, created_at, "
                        + "updated_at FROM tenants WHERE id = :tenant")
                .bind("tenant", tenantId)
                .map((row, meta) -> new Tenant(row.get("id", String.class), row.get("display_name", String.class),
                        List.of(), row.get("time_zone", String.class),
                        Limits.fromJson(json.readTree(row.get("limits", String.class))),
                        Boolean.TRUE.equals(row.get("enabled", Boolean.class)), row.get("revision", Long.class),
                        Rows.instant(row.get("created_at")), Rows.instant(row.get("updated_at"))))
                .one()
                .zipWith(numbers, (tenant, list) -> new Tenant(tenant.tenantId(), tenant.displayName(), list,
                        tenant.timeZone(), tenant.limits(), tenant.enabled(), tenant.revision(), tenant.createdAt(),
                        tenant.updatedAt()));
    }

    /** The tenant, or a 404 problem. */
    public Mono<Tenant> require(String tenantId) {
        return find(tenantId).switchIfEmpty(Mono.error(() -> notFound(tenantId)));
    }

    /** Completes when the tenant exists, errors with a 404 problem otherwise. */
    public Mono<Void> requireExisting(String tenantId) {
        return db.sql("SELECT 1 AS one FROM tenants WHERE id = :tenant")
                .bind("tenant", tenantId)
                .map((row, meta) -> 1)
                .one()
                .switchIfEmpty(Mono.error(() -> notFound(tenantId)))
                .then();
    }

    public Mono<Void> insert(String tenantId, TenantRequest request) {
        return db.sql("INSERT INTO tenants (id, display_name, time_zone, limits, enabled) "
                        + "VALUES (:id, :name, :zone, :limits, :enabled)")
                .bind("id", tenantId)
                .bind("name", request.displayName())
                .bind("zone", request.timeZone())
                .bind("limits", limits(request.limits()))
                .bind("enabled", request.enabled())
                .then()
                .then(replaceNumbers(tenantId, request.phoneNumbers()));
    }

    public Mono<Void> update(String tenantId, TenantRequest request) {
        return db.sql("UPDATE tenants SET display_name = :name, time_zone = :zone, limits = :limits, "
                        + "enabled = :enabled WHERE id = :id")
                .bind("id", tenantId)
                .bind("name", request.displayName())
                .bind("zone", request.timeZone())
                .bind("limits", limits(request.limits()))
                .bind("enabled", request.enabled())
                .then()
                .then(replaceNumbers(tenantId, request.phoneNumbers()));
    }

    public Mono<Void> disable(String tenantId) {
        return db.sql("UPDATE tenants SET enabled = FALSE WHERE id = :id").bind("id", tenantId).then();
    }

    /** Replaces the tenant's numbers; a number owned by another tenant is a 409 that names it. */
    Mono<Void> replaceNumbers(String tenantId, List<String> numbers) {
        Mono<Void> conflicts = db.sql("SELECT phone_number, tenant_id FROM tenant_phone_numbers "
                        + "WHERE phone_number = ANY(:numbers) AND tenant_id <> :tenant ORDER BY phone_number LIMIT 1")
                .bind("numbers", numbers.toArray(String[]::new))
                .bind("tenant", tenantId)
                .map((row, meta) -> row.get("phone_number", String.class))
                .one()
                .flatMap(taken -> Mono.error(numberTaken(taken)));
        Mono<Void> delete = db.sql("DELETE FROM tenant_phone_numbers WHERE tenant_id = :tenant")
                .bind("tenant", tenantId).then();
        Flux<Long> inserts = Flux.range(0, numbers.size())
                .concatMap(i -> db.sql("INSERT INTO tenant_phone_numbers (phone_number, tenant_id, position) "
                                + "VALUES (:number, :tenant, :position)")
                        .bind("number", numbers.get(i))
                        .bind("tenant", tenantId)
                        .bind("position", i)
                        .fetch().rowsUpdated());
        return conflicts.then(delete).thenMany(inserts).then();
    }

    private Json limits(Map<String, Integer> limits) {
        return Json.of(json.writeValueAsString(limits));
    }

    static RuntimeException numberTaken(String number) {
        var problem = Problems.conflict("The phone number " + number + " already routes to another tenant.");
        problem.getBody().setProperty("field", "phone_numbers");
        return problem;
    }

    public static RuntimeException notFound(String tenantId) {
        return Problems.notFound("No tenant '" + tenantId + "'.");
    }
}
