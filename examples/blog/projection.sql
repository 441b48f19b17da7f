-- The demo blog's projection: tv_post holds v_post's documents (and its created_at, for ordering),
-- so a read is a primary-key lookup. fraiseql creates the table, fills it, and keeps it up to date
-- at every commit that changes tb_post, tb_comment or tb_user (see docs/querying.md, "Projections").
SELECT base_table, followed_by FROM fraiseql.create_projection('tv_post', 'v_post', columns => '{created_at}');
