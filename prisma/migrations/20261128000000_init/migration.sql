-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Message" (
    "id" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "fromCode" TEXT NOT NULL,
    "toCode" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "inReplyTo" TEXT,
    "consentId" TEXT,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "reasonCode" TEXT,
    "reasonDetail" TEXT,
    "jws" TEXT,
    "receiptJws" TEXT,
    "signingKid" TEXT,
    "keyRevoked" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "receivedAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "rejectedAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxEntry" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "toCode" TEXT NOT NULL,
    "envelope" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMP(3),

    CONSTRAINT "OutboxEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PartnerKey" (
    "kid" TEXT NOT NULL,
    "municipality" TEXT NOT NULL,
    "jwk" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "thumbprint" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "reason" TEXT,
    "replacesKid" TEXT,
    "validFrom" TIMESTAMP(3),
    "retireAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PartnerKey_pkey" PRIMARY KEY ("kid")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" SERIAL NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "code" TEXT,
    "messageId" TEXT,
    "detail" JSONB,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsentEntry" (
    "id" SERIAL NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "consentId" TEXT NOT NULL,
    "cpr" TEXT,
    "body" JSONB NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "ConsentEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Conversation" (
    "id" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "roles" JSONB NOT NULL,
    "agreementId" TEXT,
    "restricted" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Deadline" (
    "id" SERIAL NOT NULL,
    "conversationId" TEXT NOT NULL,
    "deadlineId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "startOn" TEXT NOT NULL,
    "dueOn" TEXT NOT NULL,
    "metAt" TIMESTAMP(3),
    "metOn" TEXT,
    "metByMessageId" TEXT,
    "cancelledAt" TIMESTAMP(3),
    "alertedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Deadline_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Invoice" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "shelterCode" TEXT NOT NULL,
    "payingCode" TEXT NOT NULL,
    "periodFrom" TEXT NOT NULL,
    "periodTo" TEXT NOT NULL,
    "lines" JSONB NOT NULL,
    "totalOere" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "answerId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Invoice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Message_direction_status_idx" ON "Message"("direction", "status");

-- CreateIndex
CREATE INDEX "Message_conversationId_idx" ON "Message"("conversationId");

-- CreateIndex
CREATE INDEX "Message_type_idx" ON "Message"("type");

-- CreateIndex
CREATE INDEX "OutboxEntry_publishedAt_id_idx" ON "OutboxEntry"("publishedAt", "id");

-- CreateIndex
CREATE INDEX "PartnerKey_municipality_status_idx" ON "PartnerKey"("municipality", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_hash_key" ON "ApiToken"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEntry_seq_key" ON "AuditEntry"("seq");

-- CreateIndex
CREATE INDEX "AuditEntry_messageId_idx" ON "AuditEntry"("messageId");

-- CreateIndex
CREATE INDEX "AuditEntry_code_idx" ON "AuditEntry"("code");

-- CreateIndex
CREATE UNIQUE INDEX "ConsentEntry_seq_key" ON "ConsentEntry"("seq");

-- CreateIndex
CREATE INDEX "ConsentEntry_consentId_idx" ON "ConsentEntry"("consentId");

-- CreateIndex
CREATE INDEX "ConsentEntry_cpr_idx" ON "ConsentEntry"("cpr");

-- CreateIndex
CREATE INDEX "Conversation_updatedAt_idx" ON "Conversation"("updatedAt");

-- CreateIndex
CREATE INDEX "Deadline_dueOn_idx" ON "Deadline"("dueOn");

-- CreateIndex
CREATE UNIQUE INDEX "Deadline_conversationId_deadlineId_key" ON "Deadline"("conversationId", "deadlineId");

-- CreateIndex
CREATE INDEX "Invoice_direction_payingCode_idx" ON "Invoice"("direction", "payingCode");

