package dev.voiceagent.tools.support;

import java.util.regex.Pattern;

/** Shared checks of admin route path variables. */
public final class AdminRoutes {

    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private AdminRoutes() {
    }

    public static boolean validTenantId(String tenantId) {
        return tenantId != null && TENANT_ID.matcher(tenantId).matches();
    }
}
