-- CreateTable
CREATE TABLE "Conversation" (
    "id" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "roles" JSONB NOT NULL,
    "agreementId" TEXT,
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

-- CreateIndex
CREATE INDEX "Conversation_updatedAt_idx" ON "Conversation"("updatedAt");

-- CreateIndex
CREATE INDEX "Deadline_dueOn_idx" ON "Deadline"("dueOn");

-- CreateIndex
CREATE UNIQUE INDEX "Deadline_conversationId_deadlineId_key" ON "Deadline"("conversationId", "deadlineId");

