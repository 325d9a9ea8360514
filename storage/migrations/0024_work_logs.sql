-- Reserved in this release for the stage-two work in progress (its engineer writes the schema here).
SELECT 1;
