/**
 * `/admin/keys`: create, list and revoke keys. The admin key authenticates through the same
 * resolver as every other key. Revocation writes the database first and then the cache, the
 * order the resolver's guarantee needs.
 */

import { hashApiKey } from "@apikey/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { generateApiKey, generateKeyId } from "../api-key-format.js";
import type { DemoContainer } from "../container.js";
import { sendError } from "./error-replies.js";

interface CreateKeyBody {
  name?: string;
  admin?: boolean;
}

const createKeySchema = {
  body: {
    type: ["object", "null"],
    additionalProperties: false,
    properties: {
      name: { type: "string", minLength: 1, maxLength: 100 },
      admin: { type: "boolean" },
    },
  },
} as const;

/** Register the admin routes. */
export function registerAdminRoutes(app: FastifyInstance, container: DemoContainer): void {
  const { resolver, store, config, logger } = container;

  // `onRequest` hooks: they run before the body is parsed and validated, so a caller without
  // an admin key learns nothing about the body schema (and costs no parsing). The first
  // (`@apikey/fastify`) refuses a missing, unknown or revoked key; the second a non-admin one.
  async function adminOnly(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    if (request.apiKey?.admin !== true) {
      return sendError(reply, "forbidden", "This needs an admin key.");
    }
    return undefined;
  }
  const requireAdmin = [app.requireApiKey, adminOnly];

  app.post<{ Body: CreateKeyBody | null | undefined }>(
    "/admin/keys",
    { onRequest: requireAdmin, schema: createKeySchema },
    async (request, reply) => {
      const key = generateApiKey();
      const keyHash = hashApiKey(key);
      const record = {
        id: generateKeyId(),
        keyHash,
        name: request.body?.name ?? "unnamed",
        admin: request.body?.admin === true,
        createdAt: Date.now(),
      };
      await store.insert(record);
      // A fresh random key cannot have been looked up before, but if it somehow was, its
      // "not found" must not outlive the key's creation.
      await resolver.invalidate(keyHash).catch((error: unknown) => {
        logger.warn(`could not invalidate the cache entry of new key ${record.id}`, error);
      });
      return reply.code(201).send({
        id: record.id,
        name: record.name,
        admin: record.admin,
        createdAt: new Date(record.createdAt).toISOString(),
        key,
        note: "The key is shown once; store it now.",
      });
    },
  );

  app.get("/admin/keys", { onRequest: requireAdmin }, async () => ({
    keys: (await store.list()).map((summary) => ({
      ...summary,
      createdAt: new Date(summary.createdAt).toISOString(),
      revokedAt: summary.revokedAt === null ? null : new Date(summary.revokedAt).toISOString(),
    })),
  }));

  app.delete<{ Params: { id: string } }>(
    "/admin/keys/:id",
    { onRequest: requireAdmin },
    async (request, reply) => {
      const revoked = await store.revokeUnlessLastAdmin(request.params.id);
      if (revoked.outcome === "not_found") {
        return sendError(reply, "not_found", "No key with this id.");
      }
      if (revoked.outcome === "last_admin") {
        return sendError(
          reply,
          "last_admin_key",
          "This is the last active admin key; create another admin key before revoking it.",
        );
      }
      const { record } = revoked;
      const wait = config.revokeWait;
      const started = performance.now();
      try {
        await resolver.revoke(record.keyHash, { wait });
      } catch (error) {
        logger.error(`revoke ${record.id}: the cache did not acknowledge the tombstone`, error);
        return sendError(
          reply,
          "cache_unavailable",
          "The key is revoked in the database, but the cache did not confirm it; retry the DELETE.",
        );
      }
      return {
        id: record.id,
        revokedAt: new Date(record.revokedAt ?? Date.now()).toISOString(),
        waited: wait,
        revokeMs: Math.round((performance.now() - started) * 10) / 10,
      };
    },
  );
}
