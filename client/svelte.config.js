// Svelte 5 understands `<script lang="ts">` natively; no preprocessor is needed.
export default {
  compilerOptions: { runes: true },
};
