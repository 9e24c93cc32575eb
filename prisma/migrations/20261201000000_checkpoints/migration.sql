-- CreateTable
CREATE TABLE "Checkpoint" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "auditSeq" INTEGER NOT NULL,
    "auditHash" TEXT NOT NULL,
    "consentSeq" INTEGER NOT NULL,
    "consentHash" TEXT NOT NULL,
    "kid" TEXT NOT NULL,
    "jws" TEXT NOT NULL,

    CONSTRAINT "Checkpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WitnessedCheckpoint" (
    "id" SERIAL NOT NULL,
    "fromCode" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "auditSeq" INTEGER NOT NULL,
    "consentSeq" INTEGER NOT NULL,
    "jws" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WitnessedCheckpoint_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Checkpoint_at_idx" ON "Checkpoint"("at");

-- CreateIndex
CREATE UNIQUE INDEX "WitnessedCheckpoint_messageId_key" ON "WitnessedCheckpoint"("messageId");

-- CreateIndex
CREATE INDEX "WitnessedCheckpoint_fromCode_at_idx" ON "WitnessedCheckpoint"("fromCode", "at");

