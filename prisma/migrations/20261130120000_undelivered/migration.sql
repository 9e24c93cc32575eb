-- AlterTable: an outbound message with no receipt or error signal within its delivery window.
ALTER TABLE "Message" ADD COLUMN "undeliveredAt" TIMESTAMP(3);

-- CreateIndex: what the outbox knows of one message's sending, for the non-delivery report.
CREATE INDEX "OutboxEntry_messageId_idx" ON "OutboxEntry"("messageId");
